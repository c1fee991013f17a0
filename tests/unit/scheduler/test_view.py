"""The engine's view of an execution: live runs counted as they are set, statuses read through."""

from __future__ import annotations

from aiflow.model.status import TaskStatus
from aiflow.scheduler.engine.view import TaskRun, TaskRuns, TaskStatuses


def run(name: str, status: TaskStatus) -> TaskRun:
    return TaskRun(1, name, 1, 1, status)


def test_live_runs_are_counted_as_runs_are_set_and_replaced() -> None:
    runs = TaskRuns({"a": run("a", TaskStatus.QUEUED), "b": run("b", TaskStatus.SUCCESS)})
    assert runs.live == 1

    runs["b"] = run("b", TaskStatus.RUNNING)  # a finished task started again
    runs["c"] = run("c", TaskStatus.INIT)
    assert runs.live == 3

    runs["a"] = run("a", TaskStatus.FAILED)
    runs["a"] = run("a", TaskStatus.SUCCESS)  # terminal to terminal changes nothing
    runs["b"] = run("b", TaskStatus.STOPPING)  # live to live changes nothing
    assert runs.live == 2
    assert runs.live == sum(r.is_live for r in runs.values())


def test_a_restored_run_is_counted_and_a_restored_absence_forgets_the_task() -> None:
    runs = TaskRuns({"a": run("a", TaskStatus.RUNNING)})
    runs["a"] = run("a", TaskStatus.SUCCESS)
    runs["b"] = run("b", TaskStatus.QUEUED)

    runs.restore("a", run("a", TaskStatus.RUNNING))
    runs.restore("b", None)
    runs.restore("c", None)  # never there: nothing to forget

    assert runs == {"a": run("a", TaskStatus.RUNNING)}
    assert runs.live == 1


def test_statuses_follow_the_runs_they_read() -> None:
    runs = TaskRuns({"a": run("a", TaskStatus.QUEUED)})
    statuses = TaskStatuses(runs)

    runs["a"] = run("a", TaskStatus.RUNNING)
    runs["b"] = run("b", TaskStatus.INIT)

    assert dict(statuses) == {"a": TaskStatus.RUNNING, "b": TaskStatus.INIT}
