"""MkDocs hooks of the course site (loaded by MkDocs from the generated configuration).

mkdocs-jupyter builds a notebook page's table of contents with Python-Markdown,
which drops inline code from a heading's id ("3. `dvc.yaml` and ..." gives
``3-and``), while the page's headings get nbconvert's ids, which keep it
(``3-dvcyaml-and-...``): every contents link to such a heading led nowhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page
    from mkdocs.structure.toc import AnchorLink

HEADING_ID = re.compile(r"<h[1-6][^>]*\sid=\"([^\"]+)\"")


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Point a notebook page's contents entries at the ids its headings really have.

    Entries and headings are matched in order; an entry matches the next heading
    whose id holds the entry's words in the same order (outputs may add headings
    of their own, which no entry names).
    """
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    ids = iter(HEADING_ID.findall(html))
    for entry in _walk(page.toc):
        for heading_id in ids:
            if _in_order(entry.id.split("-"), heading_id.split("-")):
                entry.id = heading_id
                break
    return html


def _in_order(words: list[str], within: list[str]) -> bool:
    remaining = iter(within)
    return all(word in remaining for word in words)


def _walk(items: Iterable[AnchorLink]) -> Iterator[AnchorLink]:
    for item in items:
        yield item
        yield from _walk(item.children)
