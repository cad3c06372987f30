"""Find internal links of a built site that lead nowhere: a missing page, file or anchor."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINKING_ATTRIBUTES = {"a": "href", "link": "href", "script": "src", "img": "src"}


class _Page(HTMLParser):
    """The links and the element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value}
        if "id" in values:
            self.ids.add(values["id"])
        if "name" in values and tag == "a":
            self.ids.add(values["name"])
        link = values.get(LINKING_ATTRIBUTES.get(tag, ""))
        if link:
            self.links.append(link)


def broken_links(site: Path) -> list[str]:
    """Return ``page -> link`` for every internal link whose file or anchor is missing.

    Links with a scheme (``https:``, ``mailto:``, ``data:``) are external and not
    followed: the site must work offline, and those are the reader's network's business.
    """
    site = site.resolve()
    # 404.html is served at any depth, so its links are rooted at "/" on purpose.
    pages = {path: _parse(path) for path in sorted(site.rglob("*.html")) if path.name != "404.html"}
    broken = []
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            anchor = unquote(parts.fragment)
            if not target.is_file():
                broken.append(f"{path.relative_to(site)} -> {link}")
            elif anchor and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if anchor not in ids:
                    broken.append(f"{path.relative_to(site)} -> {link} (no such anchor)")
    return broken


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(errors="replace"))
    return page
