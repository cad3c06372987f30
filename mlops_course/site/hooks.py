"""MkDocs hooks of the course site (loaded by MkDocs from the generated configuration).

mkdocs-jupyter builds a notebook page's table of contents with Python-Markdown,
which drops inline code from a heading's id ("3. `dvc.yaml` and ..." gives
``3-and``), while the page's headings get nbconvert's ids, which keep it
(``3-dvcyaml-and-...``): every contents link to such a heading led nowhere.
"""

from __future__ import annotations

import re

HEADING_ID = re.compile(r"<h[1-6][^>]*\sid=\"([^\"]+)\"")


def on_page_content(html: str, page, config, files) -> str:
    """Point a notebook page's contents entries at the ids its headings really have."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    entries = list(_walk(page.toc))
    ids = HEADING_ID.findall(html)
    if len(entries) == len(ids):
        for entry, heading_id in zip(entries, ids, strict=True):
            entry.id = heading_id
    return html


def _walk(items):
    for item in items:
        yield item
        yield from _walk(item.children)
