"""Fixtures of the playground's browser tests: the built site on a local static server, Debian's
Chromium driven by Playwright (no browser download), and the scanner they are compared with.

`cargo xtask playground --test` (and `cargo xtask test`) set PLAYGROUND_SITE, UPSTREAM_FIRST and
PLAYGROUND_ARTIFACTS.
"""

import functools
import http.server
import os
import pathlib
import threading

import pytest
from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium as the machine's probe starts it: without the background-networking flags it keeps
# trying hosts a closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def env_path(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the browser tests with `cargo xtask playground --test`")
    return pathlib.Path(value)


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".yaml": "text/yaml",
    }

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url():
    site = env_path("PLAYGROUND_SITE")
    handler = functools.partial(SiteHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts():
    directory = env_path("PLAYGROUND_ARTIFACTS")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def scanner():
    return env_path("UPSTREAM_FIRST")
