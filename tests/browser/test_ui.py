"""A person's steps in the web UI, in headless Chromium, against a running stack."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import Tokens
from tests.browser.pages import Events, Execution, SignIn, Workflows

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
LONG_TASK = Path(__file__).with_name("workflows") / "long_task.py"


def signed_in(new_page: object, ui: str, token: str) -> object:
    page = new_page()  # type: ignore[operator]
    SignIn(page, ui).visit().sign_in(token)
    return page


def test_an_editor_uploads_the_quickstart_and_watches_it_succeed_live(new_page: object, ui: str,
                                                                      tokens: Tokens) -> None:
    page = new_page()  # type: ignore[operator]
    sign_in = SignIn(page, ui).visit()
    assert "/login" in page.url
    sign_in.screenshot("sign-in")
    sign_in.sign_in(tokens.editor)
    workflows = Workflows(page, ui)
    assert page.url.endswith("/namespaces/default/workflows")

    workflows.upload(SAMPLES / "quickstart" / "quickstart.py")
    assert workflows.row("quickstart_workflow").count() == 1
    execution = workflows.start("quickstart_workflow")
    execution_id = execution.execution_id
    page.evaluate("window.notReloaded = true")
    for task in ("task1", "task2", "task3", "task4"):
        execution.wait_for_task(task, "SUCCESS")
    execution.wait_for_status("SUCCESS")
    assert page.evaluate("window.notReloaded") is True  # every status arrived live
    assert page.locator("#node-task4").get_attribute("data-status") == "SUCCESS"

    detail = execution.open_detail("task4")
    queued = detail.locator("tr.step[data-step='queued']")
    assert "quickstart_greeting" in queued.inner_text() and "task3" in queued.inner_text()
    assert "hello from task3" in queued.inner_text()
    assert detail.locator("tr.step[data-step='start_sent']").count() == 1
    assert "celery@" in detail.locator("tr.step", has_text="RUNNING").first.inner_text()
    execution.screenshot("execution")
    Workflows(page, ui).visit().screenshot("workflows")

    page.goto(f"{ui}/executions/{execution_id}")
    log = Execution(page, ui).open_log("task3")
    assert "Sending an event with key quickstart_greeting" in log.text()
    log.screenshot("log")
    page.goto(f"{ui}/namespaces/default/executions?status=SUCCESS")
    assert page.locator(f"#execution-{execution_id}").count() == 1
    Workflows(page, ui).screenshot("executions")
    page.goto(f"{ui}/namespaces/default/system")
    assert "leading with fencing token" in page.locator("#leader").inner_text()
    Workflows(page, ui).screenshot("system")


def test_an_editor_stops_and_restarts_a_task_of_a_running_execution(new_page: object, ui: str,
                                                                     tokens: Tokens) -> None:
    page = signed_in(new_page, ui, tokens.editor)
    workflows = Workflows(page, ui).visit()
    workflows.upload(LONG_TASK)
    execution = workflows.start("long_task_workflow")
    execution.wait_for_task("sleeper", "RUNNING")

    execution.act("sleeper", "Restart")
    page.wait_for_function("document.querySelector('#task-sleeper td:nth-child(3)').innerText.startsWith('2')")
    execution.wait_for_task("sleeper", "RUNNING")
    execution.act("sleeper", "Stop")
    execution.wait_for_task("sleeper", "STOPPED")
    assert execution.sequence("sleeper") == 2
    execution.wait_for_status("SUCCESS")  # a task stopped by a command is not a failure, and nothing is left
    assert page.locator("#task-sleeper button").count() == 0


def test_an_event_sent_from_the_events_page_shows_in_its_live_stream(new_page: object, ui: str,
                                                                     tokens: Tokens) -> None:
    page = signed_in(new_page, ui, tokens.editor)
    events = Events(page, ui).visit()
    events.send("model_ready", "v42")
    row = events.wait_for_event("model_ready")
    assert "v42" in row.inner_text()
    events.screenshot("events")


def test_a_viewer_sees_no_buttons_and_another_namespace_sees_nothing(new_page: object, ui: str,
                                                                     tokens: Tokens) -> None:
    editor = signed_in(new_page, ui, tokens.editor)
    workflows = Workflows(editor, ui).visit()
    workflows.upload(LONG_TASK)
    execution_id = workflows.start("long_task_workflow").execution_id

    viewer = signed_in(new_page, ui, tokens.viewer)
    as_viewer = Workflows(viewer, ui).visit()
    assert as_viewer.row("long_task_workflow").count() == 1
    assert viewer.locator("button").filter(has_not_text="Sign out").count() == 0
    viewer.goto(f"{ui}/executions/{execution_id}")
    viewer.wait_for_selector("#task-sleeper")
    assert viewer.locator("main button").count() == 0
    assert viewer.locator("#upload, #send-event").count() == 0

    outsider = signed_in(new_page, ui, tokens.other_editor)
    assert outsider.url.endswith("/namespaces/other/workflows")
    for path in ("/namespaces/default/workflows", f"/executions/{execution_id}", "/namespaces/default/events"):
        response = outsider.goto(ui + path)
        assert response.status == 404, path
        assert "long_task_workflow" not in outsider.content()
    answer = outsider.request.post(f"{ui}/api/v1/workflow-executions/{execution_id}/stop")
    assert answer.status in (403, 404)

    editor.on("dialog", lambda dialog: dialog.accept())
    editor.goto(f"{ui}/executions/{execution_id}")
    editor.get_by_role("button", name="Stop execution").click()
    Execution(editor, ui).wait_for_status("STOPPED")
