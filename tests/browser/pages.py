"""The web UI's pages as a person uses them: each class has the actions one takes on its page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

Page = Any  # playwright.sync_api.Page: imported only where a browser runs


class UiPage:
    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base

    def screenshot(self, name: str) -> None:
        """Save the page as ``<name>.png`` in the page's screenshot folder (docs/ui holds docs/ui.md's)."""
        self.page.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.page.screenshots / f"{name}.png"
        self.page.screenshot(path=str(path))
        assert path.stat().st_size > 0

    def has_button(self, label: str) -> bool:
        return self.page.get_by_role("button", name=label).count() > 0


class SignIn(UiPage):
    def visit(self, path: str = "/") -> SignIn:
        self.page.goto(self.base + path)
        return self

    def sign_in(self, token: str) -> None:
        self.page.fill("#token", token)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()


class Workflows(UiPage):
    def visit(self, namespace: str = "default") -> Workflows:
        self.page.goto(f"{self.base}/namespaces/{namespace}/workflows")
        return self

    def upload(self, path: Path) -> None:
        self.page.set_input_files("#upload input[type=file]", str(path))
        with self.page.expect_navigation():
            self.page.locator("#upload button[type=submit]").click()

    def row(self, workflow: str) -> Any:
        return self.page.locator(f"tr[data-workflow='{workflow}']")

    def start(self, workflow: str) -> Execution:
        with self.page.expect_navigation(url=re.compile(r"/executions/\d+$")):
            self.row(workflow).get_by_role("button", name="Start").click()
        return Execution(self.page, self.base)


class Execution(UiPage):
    @property
    def execution_id(self) -> int:
        return int(self.page.url.rsplit("/", 1)[1])

    def task_status(self, task: str) -> str:
        return str(self.page.locator(f"#task-{task}").get_attribute("data-status") or "")

    def wait_for_task(self, task: str, status: str, timeout_ms: int = 30_000) -> None:
        self.page.wait_for_selector(f"#task-{task}[data-status='{status}']", timeout=timeout_ms)

    def wait_for_status(self, status: str, timeout_ms: int = 30_000) -> None:
        self.page.wait_for_selector(f"#execution-status[data-status='{status}']", timeout=timeout_ms)

    def act(self, task: str, action: str) -> None:
        """Press the task's Start, Stop or Restart button; the answer is 202 (the change arrives live)."""
        with self.page.expect_response(lambda response: response.url.endswith(f"/tasks/{task}/{action.lower()}")) \
                as answer:
            self.page.locator(f"#task-{task}").get_by_role("button", name=action).click()
        assert answer.value.status == 202, answer.value.text()

    def sequence(self, task: str) -> int:
        return int(self.page.locator(f"#task-{task} td").nth(2).inner_text().split()[0])

    def open_detail(self, task: str) -> Any:
        self.page.locator(f"#task-{task} td").first.get_by_role("link").click()
        detail = self.page.locator(f"#detail-{task} .task-detail")
        detail.wait_for()
        return detail

    def open_log(self, task: str) -> Log:
        with self.page.expect_navigation():
            self.page.locator(f"#task-{task}").get_by_role("link", name="log").click()
        return Log(self.page, self.base)


class Log(UiPage):
    def text(self) -> str:
        return str(self.page.locator("#log").inner_text())


class Events(UiPage):
    def visit(self, namespace: str = "default") -> Events:
        self.page.goto(f"{self.base}/namespaces/{namespace}/events")
        self.page.wait_for_selector("#event-rows[data-live='open']", state="attached")
        return self

    def send(self, key: str, value: str) -> None:
        form = self.page.locator("#send-event")
        form.locator("input[name=key]").fill(key)
        form.locator("input[name=value]").fill(value)
        form.get_by_role("button", name="Send").click()

    def wait_for_event(self, key: str) -> Any:
        row = self.page.locator(f"#event-rows tr[data-key='{key}']")
        row.first.wait_for()
        return row.first
