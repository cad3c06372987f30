"""Build the course site: stage the pages, run MkDocs (strict, offline), check the links."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlops_course.site.links import broken_links
from mlops_course.site.stage import Lesson, nav, stage
from mlops_course.workspace import COURSE_ROOT

BASE_CONFIG = COURSE_ROOT / "mkdocs.yml"
HOOKS = Path(__file__).with_name("hooks.py")
OUTPUT_MARK = 'class="jp-OutputArea-child'  # how nbconvert marks a cell's output


@dataclass
class SiteBuild:
    """What a build produced and how long it took."""

    site: Path
    lessons: list[Lesson]
    pages: int
    seconds: float
    notebook_seconds: dict[str, float] = field(default_factory=dict)


def build_site(build: Path, executed: dict[str, Path] | None = None) -> SiteBuild:
    """Build the site into ``build/site`` and return what it holds.

    Args:
        build: a scratch folder; the pages are staged in ``build/site-src`` and the
            MkDocs configuration written to ``build/mkdocs.yml``.
        executed: lesson number -> executed notebook to show; lessons missing here
            show their committed notebook, which has no outputs.

    Raises:
        RuntimeError: MkDocs failed (a warning fails a strict build), a page links
            to a file or anchor that does not exist, or an executed notebook's page
            shows no outputs.
    """
    started = time.monotonic()
    docs, site, config = build / "site-src", build / "site", build / "mkdocs.yml"
    found = stage(docs, executed or {})
    settings = {
        "INHERIT": str(BASE_CONFIG),
        "docs_dir": str(docs),
        "site_dir": str(site),
        "nav": nav(found),
        "hooks": [str(HOOKS)],
    }
    config.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-q", "-f", str(config)],
        capture_output=True,
        text=True,
        # Material's banner about its end of life (May 2027) and MkDocs 2 would print on
        # every build; the site's generator is a choice the README explains.
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{result.stdout}{result.stderr}")
    broken = broken_links(site)
    if broken:
        raise RuntimeError("broken links on the site:\n" + "\n".join(broken))
    silent = [
        lesson.folder
        for lesson in found
        if lesson.number in (executed or {})
        and OUTPUT_MARK not in (site / lesson.pages["Notebook"]).with_suffix(".html").read_text()
    ]
    if silent:
        raise RuntimeError(f"executed notebooks that show no outputs on the site: {silent}")
    pages = len(list(site.rglob("*.html")))
    return SiteBuild(site, found, pages, time.monotonic() - started)
