"""Custom conditions in real evaluator processes: verdicts, state, and every way a condition can fail."""

from __future__ import annotations

import builtins
import os
import pickle
import sys
import time
from collections.abc import Iterator

import cloudpickle
import psutil
import pytest

from aiflow.evaluator.pool import EvaluatorPool
from aiflow.evaluator.process import evaluator_starter
from aiflow.loader.describe import describe_condition
from aiflow.model.condition import Condition
from aiflow.model.context import Context
from aiflow.model.state import ValueState, ValueStateDescriptor
from aiflow.model.status import TaskStatus
from aiflow.plan import CustomCondition
from aiflow.sandbox.policy import SandboxPolicy
from notification.event import Event
from tests.support import process_running

cloudpickle.register_pickle_by_value(sys.modules[__name__])

TIMEOUT = 1.0


class Counts(Condition):
    """Met on every third event; counts in durable state and prints (which must not confuse the protocol)."""

    def is_met(self, event: Event, context: Context) -> bool:
        state = context.get_state(ValueStateDescriptor("n"))
        assert isinstance(state, ValueState)
        state.update((state.value() or 0) + 1)
        print("counted", state.value(), flush=True)
        return bool(state.value() % 3 == 0) and context.get_task_status("up") == TaskStatus.SUCCESS


class Raises(Condition):
    def is_met(self, event: Event, context: Context) -> bool:
        raise ZeroDivisionError("user bug")


class Hangs(Condition):
    def is_met(self, event: Event, context: Context) -> bool:
        time.sleep(3600)
        return True


class Dies(Condition):
    def is_met(self, event: Event, context: Context) -> bool:
        os._exit(3)


class KeepsALock(Condition):
    def is_met(self, event: Event, context: Context) -> bool:
        import threading

        state = context.get_state(ValueStateDescriptor("lock"))
        assert isinstance(state, ValueState)
        state.update(threading.Lock())
        return True


class Marks(Condition):
    """Leaves a mark on the process it runs in, as a condition trying to reach others' would."""

    def is_met(self, event: Event, context: Context) -> bool:
        builtins.aiflow_mark = event.namespace  # type: ignore[attr-defined]
        return True


class SeesMark(Condition):
    def is_met(self, event: Event, context: Context) -> bool:
        return hasattr(builtins, "aiflow_mark")


def plan(condition: Condition) -> CustomCondition:
    described = describe_condition(condition)
    assert isinstance(described, CustomCondition)
    return described


@pytest.fixture
def pool() -> Iterator[EvaluatorPool]:
    evaluators = EvaluatorPool(evaluator_starter(SandboxPolicy()), timeout=TIMEOUT)
    yield evaluators
    evaluators.close()


def evaluate(pool: EvaluatorPool, condition: Condition, state: bytes | None = None, namespace: str = "ns",
             statuses: dict[str, TaskStatus] | None = None):  # type: ignore[no-untyped-def]
    return pool(namespace, plan(condition), Event(key="k", namespace=namespace), statuses or {}, state)


def test_verdicts_and_state_come_back_from_the_process(pool: EvaluatorPool) -> None:
    state = None
    verdicts = []
    for _ in range(3):
        verdict = evaluate(pool, Counts(["k"]), state, statuses={"up": TaskStatus.SUCCESS})
        assert verdict.error is None
        verdicts.append(verdict.met)
        state = verdict.state
    assert verdicts == [False, False, True]
    assert pickle.loads(state or b"") == {"n": 3}


@pytest.mark.parametrize(("condition", "message"), [
    (Raises(["k"]), "ZeroDivisionError: user bug"),
    (Hangs(["k"]), f"did not answer within {TIMEOUT:g} seconds"),
    (Dies(["k"]), "the evaluator process ended"),
    (KeepsALock(["k"]), "state cannot be pickled"),
])
def test_a_failing_condition_gives_an_error_and_the_next_call_works(pool: EvaluatorPool, condition: Condition,
                                                                    message: str) -> None:
    previous = pickle.dumps({"n": 1})
    started = time.monotonic()
    verdict = evaluate(pool, condition, previous)

    assert verdict.error is not None and message in verdict.error
    assert (verdict.met, verdict.state) == (False, previous)  # nothing changes
    assert time.monotonic() - started < TIMEOUT + 2
    assert evaluate(pool, Counts(["k"])).error is None


def test_code_that_is_not_a_condition_is_an_error(pool: EvaluatorPool) -> None:
    junk = CustomCondition(("k",), "junk", cloudpickle.dumps({"not": "a condition"}))

    verdict = pool("ns", junk, Event(key="k"), {}, None)

    assert verdict.error is not None and "not a Condition" in verdict.error


def evaluator_processes() -> list[psutil.Process]:
    children = psutil.Process().children(recursive=True)
    return [child for child in children if "aiflow.evaluator.child" in " ".join(child.cmdline())]


def test_a_hanging_condition_leaves_no_process_behind(pool: EvaluatorPool) -> None:
    evaluate(pool, Counts(["k"]))
    (first,) = evaluator_processes()

    evaluate(pool, Hangs(["k"]))

    assert not process_running(first.pid)
    assert evaluator_processes() == []


def test_namespaces_never_share_a_process(pool: EvaluatorPool) -> None:
    assert evaluate(pool, Marks(["k"]), namespace="a").met
    assert evaluate(pool, SeesMark(["k"]), namespace="a").met
    assert not evaluate(pool, SeesMark(["k"]), namespace="b").met


def test_processes_beyond_the_bound_are_stopped() -> None:
    pool = EvaluatorPool(evaluator_starter(SandboxPolicy()), timeout=TIMEOUT, max_processes=1)
    try:
        assert evaluate(pool, Marks(["k"]), namespace="a").met
        evaluate(pool, Counts(["k"]), namespace="b")
        assert not evaluate(pool, SeesMark(["k"]), namespace="a").met  # a fresh process for a
    finally:
        pool.close()
