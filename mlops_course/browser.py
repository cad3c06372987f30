"""A headless Chromium for the tests that look at pages the way a person does.

Playwright drives the system's Chromium (Debian's ``chromium``): its own
browser download needs a network the course does not use after setup. Set
``COURSE_CHROMIUM`` to another executable where the default is not usable
(Ubuntu's ``chromium`` is a snap that Playwright cannot start: install
Google Chrome or a non-snap Chromium and point the variable at it).

The browser starts with no background traffic (no component updates, sync,
QUIC or first-run pages) and, as Playwright always does, a fresh temporary
profile. As root, Chromium's sandbox cannot start, so it is switched off.
Screenshots go to ``<workspace>/screenshots``, where a failing test's last
view can be opened afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from mlops_course import workspace

if TYPE_CHECKING:  # Playwright is imported only where a browser starts
    from playwright.sync_api import Page, Request

CHROMIUM_VARIABLE = "COURSE_CHROMIUM"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
QUIET_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def configured_chromium() -> tuple[str, str | None]:
    """The browser to use: ``(what to call it, its path)``, the path None when none is found.

    ``COURSE_CHROMIUM`` wins; otherwise the first of ``CANDIDATES`` on PATH. The name
    says how to get one, for the message of a test that cannot run without it.
    """
    label = f"Chromium (install Debian's chromium, or set {CHROMIUM_VARIABLE})"
    configured = os.environ.get(CHROMIUM_VARIABLE)
    if configured:
        return label, configured
    found = next(filter(None, map(shutil.which, CANDIDATES)), None)
    return label, found


def launch_args() -> list[str]:
    """Chromium's command-line switches: quiet, and without the sandbox when run as root."""
    return [*QUIET_ARGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]


@contextlib.contextmanager
def chromium(executable: str) -> Iterator[object]:
    """A started headless Chromium (a Playwright ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=launch_args())
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Page, name: str) -> Path:
    """Save the page as ``<workspace>/screenshots/<name>.png``, print and return the path."""
    folder = workspace.root() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    print(f"screenshot: {path}")
    return path


def record_remote_requests(page: Page) -> list[str]:
    """Collect, from now on, the URLs the page asks of any host but this machine.

    A page the course serves must work with no network: this list stays empty.
    """
    remote: list[str] = []

    def note(request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            remote.append(request.url)

    page.on("request", note)
    return remote
