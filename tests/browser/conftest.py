"""The web UI in real headless Chromium (Debian's ``chromium``, driven by Playwright) against a running stack.

The stack is the one of ``tests/integration/stack`` (API server and scheduler in threads, a real Celery
worker) with tokens stored in its database: an editor and a viewer of ``default``, an editor of
``other``, and the worker's token. Without a Chromium binary the tests are skipped, saying so.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from aiflow.config.server import ServerConfig
from aiflow.metadata import session_scope
from aiflow.metadata.queries.namespaces import add_namespace
from aiflow.metadata.queries.tokens import add_token
from tests.integration.stack.conftest import api_server, scheduler, stack_config  # noqa: F401 (fixtures)
from tests.integration.workers.conftest import WorkerProcess
from web.auth import hash_token

CHROMIUM = os.environ.get("AIFLOW_TEST_CHROMIUM", "/usr/bin/chromium")
LAUNCH_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
SCREENSHOTS_ENV = "AIFLOW_TEST_UI_SCREENSHOTS"
"""Names the folder the tests save each page's picture in (``docs/ui`` to remake docs/ui.md's); else a temporary one."""


@dataclass(frozen=True)
class Tokens:
    editor: str
    viewer: str
    other_editor: str


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if path is None:
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium; .ci/run does as root)")
    return path


@pytest.fixture(scope="session")
def playwright_browser(chromium_path: str) -> Iterator[object]:
    """One headless Chromium for the session (Playwright gives it a fresh, empty profile of its own)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=LAUNCH_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(playwright_browser: object, ui: str, tmp_path: Path) -> Iterator[object]:
    """Make pages of ``ui``, each in a context of its own (its own cookies); all are closed before the stack stops.

    A page's ``screenshots`` attribute is the folder its pictures go to (see :data:`SCREENSHOTS_ENV`).
    """
    contexts = []
    folder = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path / "screenshots")

    def make() -> object:
        context = playwright_browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.screenshots = folder
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def tokens(stack_config: ServerConfig, db: Engine, monkeypatch: pytest.MonkeyPatch) -> Tokens:  # noqa: F811
    """Store the test's tokens (which closes the open server) and give the worker its own."""
    made = Tokens(*(secrets.token_urlsafe(16) for _ in range(3)))
    worker = secrets.token_urlsafe(16)
    with session_scope(db) as session:
        add_namespace(session, "other", None)
        for name, secret, role, namespaces in (("editor", made.editor, "editor", ["default"]),
                                               ("viewer", made.viewer, "viewer", ["default"]),
                                               ("other-editor", made.other_editor, "editor", ["other"]),
                                               ("worker", worker, "worker", None)):
            add_token(session, name, hash_token(secret), role, namespaces, created_by="test")
    monkeypatch.setenv("AIFLOW_WORKER_TOKEN", worker)
    return made


@pytest.fixture
def ui(tokens: Tokens, api_server: str, scheduler: None, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    """The running stack's address, with tokens; the worker starts last."""
    with WorkerProcess(tmp_path / "worker.log"):
        yield api_server
