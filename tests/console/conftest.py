"""Browser tests of the console: Debian's chromium driven by Playwright (``executable_path``,
never ``playwright install``), headless, WebGL through SwiftShader, a small viewport; every
request that does not go to the test's own server on 127.0.0.1 is refused and fails the test.

They skip (with the reason) only when chromium or Playwright is missing outside CI; in CI
(``CI=true``) they must run, and ``make test`` installs what they need."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: Screenshots and timings for a person to look at (out/ is git-ignored).
OUT = Path(os.environ.get("MISSILEWATCH_TEST_OUT", REPO / "out" / "tests")) / "console"
VIEWPORT = {"width": 960, "height": 600}
ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-gpu-sandbox", "--no-sandbox",
        "--disable-dev-shm-usage"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI must run the browser tests: `make test` installs it)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    for exe in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.access(exe, os.X_OK):
            return exe
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright (module-wide)."""
    exe = chromium_path()
    if exe is None:
        _missing("Debian's chromium is not installed (scripts/install_chromium.sh)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright is not installed (pip install -e '.[dev]')")
    from missilewatch.errors import DataError
    from missilewatch.web.vendor import cesium_present, ensure_cesium

    if not cesium_present():
        try:
            ensure_cesium()
        except (DataError, OSError) as exc:
            _missing(f"CesiumJS is not vendored and cannot be fetched: {exc}")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=ARGS)
        yield b
        b.close()


class Guard:
    """Refuses every request that does not go to ``base`` (or stays in the page: data:, blob:)
    and remembers it; the console errors of the page too."""

    def __init__(self, base: str) -> None:
        self.base, self.outside, self.errors = base, [], []

    def attach(self, page) -> None:
        def route(r) -> None:
            url = r.request.url
            if url.startswith((self.base + "/", "data:", "blob:")):
                r.continue_()
            else:
                self.outside.append(url)
                r.abort()

        page.route("**/*", route)
        ws_base = "ws" + self.base[len("http"):] + "/"
        page.on("websocket", lambda ws: None if ws.url.startswith(ws_base) else self.outside.append(ws.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self) -> None:
        assert not self.outside, f"requests left the host: {self.outside[:5]}"
        assert not self.errors, f"errors in the page: {self.errors[:3]}"


STATE = """() => window.mw ? JSON.stringify({number: window.mw.picture && window.mw.picture.number,
  tracks: window.mw.picture && [...window.mw.picture.tracks.keys()], connection: window.mw.connection,
  error: window.mw.error, tiles: window.mw.viewer && window.mw.viewer.mwTiles}) : 'no window.mw'"""


def until(page, guard: Guard, expr: str, what: str, timeout_s: float = 60, arg=None) -> None:
    """Wait for ``expr`` (a JS function) to hold in ``page``; on time-out fail with what the page
    holds and the errors it raised."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(expr, arg=arg, timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        state = page.evaluate(STATE)
        pytest.fail(f"{what}: not within {timeout_s:g} s; page state {state}; page errors {guard.errors[:3]}")


def open_page(browser, guard: Guard, path: str, token: str):
    """A new page at ``path``, signed in through the address fragment (never sent to the server)."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(90_000)  # two cores shared with the rest of the suite
    guard.attach(page)
    page.goto(f"{guard.base}{path}#token={token}", wait_until="commit")
    return page


#: Cesium's tiles all loaded (its tileLoadProgressEvent reached zero) and the entities drawn.
TILES_IDLE = "() => window.mw && window.mw.viewer && window.mw.viewer.mwTiles.pending === 0 " \
             "&& window.mw.viewer.scene.globe.tilesLoaded && window.mw.viewer.mwSettled()"


def wait_tiles(page, timeout_s: float = 60) -> None:
    """Until Cesium has loaded every tile it wants for the view (a render is asked for first)."""
    page.wait_for_function("() => window.mw && window.mw.viewer", timeout=timeout_s * 1000)
    page.evaluate("() => window.mw.viewer.scene.requestRender()")
    page.wait_for_function(TILES_IDLE, timeout=timeout_s * 1000)
