"""The course site builds offline, has every lesson's pages, and no link leads nowhere.

``make site`` executes every notebook (its own ``.ci/run`` step, minutes); here
lesson 01's notebook stands in as an executed copy whose outputs are known, so
the test can see them on the page without paying for a run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess

import pytest

from mlops_course import workspace
from mlops_course.site.build import build_site
from mlops_course.site.links import broken_links
from mlops_course.site.stage import EXERCISES_PAGE, lessons
from mlops_course.workspace import COURSE_ROOT

LESSONS = lessons()
WINDOW = (1280, 900)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    build = tmp_path_factory.mktemp("site-build")
    first = COURSE_ROOT / "lessons" / LESSONS[0].folder / "lesson.ipynb"
    notebook = json.loads(first.read_text())
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            text = f"output of cell {index}\n"
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
    executed = build / "01-executed.ipynb"
    executed.write_text(json.dumps(notebook))
    return build_site(build, {LESSONS[0].number: executed})


def _page(site, path: str) -> str:
    page = site.site / path
    assert page.is_file(), f"the site has no {path}"
    return page.read_text()


def _words(html: str) -> str:
    """The page's text, as a reader sees it (code highlighting splits it into spans)."""
    return re.sub(r"<[^>]+>", "", html)


def test_every_lesson_has_its_text_notebook_and_exercises_pages(site):
    assert [lesson.number for lesson in LESSONS] == [f"{n:02d}" for n in range(1, 12)]
    for lesson in LESSONS:
        base = f"lessons/{lesson.folder}"
        text = _page(site, f"{base}/index.html")
        assert 'href="lesson.html"' in text and 'href="exercises.html"' in text, lesson.folder
        assert f"course check {lesson.number}" in _words(text)
        assert "jupyter-wrapper" in _page(site, f"{base}/lesson.html"), "not a rendered notebook"
        exercises = _page(site, f"{base}/exercises.html")
        assert f"course check {lesson.number}" in _words(exercises)
        for starter in (COURSE_ROOT / "lessons" / lesson.folder / "exercises").iterdir():
            if starter.is_file():
                assert f"<code>{starter.name}</code>" in exercises, (lesson.folder, starter.name)
    assert EXERCISES_PAGE == "exercises.md"


def test_home_and_capstone_pages_link_to_the_lessons(site):
    home = _page(site, "index.html")
    for lesson in LESSONS:
        assert f'href="lessons/{lesson.folder}/index.html"' in home
    assert 'href="capstone/index.html"' in home
    assert "churn" in _page(site, "capstone/index.html")


def test_an_executed_notebook_shows_its_outputs(site):
    executed = _words(_page(site, f"lessons/{LESSONS[0].folder}/lesson.html"))
    committed = _page(site, f"lessons/{LESSONS[1].folder}/lesson.html")
    code_cells = [
        index
        for index, cell in enumerate(
            json.loads((site.site.parent / "01-executed.ipynb").read_text())["cells"]
        )
        if cell["cell_type"] == "code"
    ]
    assert all(f"output of cell {index}" in executed for index in code_cells)
    assert 'class="jp-OutputArea-child' not in committed


def test_no_internal_link_is_broken(site):
    assert site.pages >= 1 + 3 * len(LESSONS) + 1
    assert broken_links(site.site) == []


def test_the_link_check_finds_a_missing_page_and_a_missing_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<h2 id="here">x</h2><a href="b.html">b</a><a href="#gone">')
    (tmp_path / "c.html").write_text('<a href="a.html#here">ok</a><a href="https://x.org/">')
    assert broken_links(tmp_path) == ["a.html -> b.html", "a.html -> #gone (no such anchor)"]


def test_the_site_makes_no_request_outside_itself(site):
    for page in ("index.html", f"lessons/{LESSONS[3].folder}/index.html"):
        text = _page(site, page)
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text


def _chromium(require_tool) -> str:
    configured = os.environ.get("COURSE_CHROMIUM")
    if configured:
        return require_tool("COURSE_CHROMIUM", configured)
    names = ("chromium", "chromium-browser", "google-chrome")
    return require_tool(next((name for name in names if shutil.which(name)), "chromium"))


@pytest.mark.parametrize("page", ["index.html", f"lessons/{LESSONS[3].folder}/index.html"])
def test_a_screenshot_of_the_page_is_kept(site, page, require_tool):
    browser = _chromium(require_tool)
    folder = workspace.root() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    picture = folder / f"site-{page.replace('/', '-').removesuffix('.html')}.png"
    picture.unlink(missing_ok=True)
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
    subprocess.run(
        [browser, "--headless=new", *sandbox, "--disable-gpu", "--hide-scrollbars",
         "--disable-background-networking", "--no-first-run",
         f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--screenshot={picture}",
         (site.site / page).as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    header = picture.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert struct.unpack(">II", header[16:24]) == WINDOW
    assert picture.stat().st_size > 30_000, "an almost empty picture: did the page render?"
    print(f"screenshot: {picture}")


def test_a_saved_widget_stops_the_build(tmp_path):
    from mlops_course.site.execute import WIDGET_VIEW, refuse_widgets

    notebook = tmp_path / "04-widget.ipynb"
    widget = {"output_type": "display_data", "data": {WIDGET_VIEW: {}}, "metadata": {}}
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [widget]}]}))
    with pytest.raises(RuntimeError, match="cell 0: a widget output shows nothing"):
        refuse_widgets(notebook)
