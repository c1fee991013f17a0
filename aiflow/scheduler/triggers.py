"""Workflow triggers: conditions that, when met by an event, start a new execution of their workflow.

A trigger whose condition cannot be read or fails on an event is taken out of play: its error
(with the traceback) is stored on the trigger, which the API shows, and the scheduler skips it
until it is resumed (which clears the error) or replaced.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from aiflow.metadata.definitions import Workflow, WorkflowEventTrigger
from aiflow.metadata.scheduler_state import WorkflowRuleState
from aiflow.plan import ConditionPlan, PlanError, condition_from_dict
from aiflow.scheduler.engine.index import RuleIndex
from aiflow.scheduler.engine.rules import CustomEvaluator, evaluate
from aiflow.scheduler.scope import TRIGGER, Scope
from notification.event import Event

logger = logging.getLogger(__name__)


class TriggerSet:
    """The triggers in play (active, not broken, of enabled workflows), indexed by (namespace, expected key)."""

    def __init__(self) -> None:
        self._index = RuleIndex()
        self._triggers: dict[int, tuple[int, ConditionPlan]] = {}  # trigger id -> (workflow id, condition)

    def rebuild(self, session: Session) -> None:
        """Load every trigger in play; those whose condition does not read are marked broken."""
        self._index, self._triggers = RuleIndex(), {}
        for trigger, namespace in session.execute(_in_play()):
            self._add(session, trigger, namespace)

    def refresh_workflow(self, session: Session, workflow_id: int) -> None:
        """Reload the triggers of one workflow after it or its triggers changed."""
        for trigger_id in [t for t, (w, _) in self._triggers.items() if w == workflow_id]:
            self._forget(trigger_id)
        for trigger, namespace in session.execute(_in_play().where(Workflow.id == workflow_id)):
            self._add(session, trigger, namespace)

    def fired(self, session: Session, event: Event, custom: CustomEvaluator, scope: Scope) -> list[tuple[int, int]]:
        """Evaluate the triggers expecting ``event``; return (trigger id, workflow id) of those met, in order.

        Each trigger keeps durable state per workflow, written in the caller's transaction.
        """
        fired = []
        for trigger_id in self._index.expecting(event.namespace, event.key):
            if not scope.allows(TRIGGER, trigger_id):
                continue
            with scope.unit(TRIGGER, trigger_id):
                workflow_id = self._evaluate(session, trigger_id, event, custom, scope.fault(TRIGGER, trigger_id))
            if workflow_id is not None:
                fired.append((trigger_id, workflow_id))
        return fired

    def _evaluate(self, session: Session, trigger_id: int, event: Event, custom: CustomEvaluator,
                  fault: str | None) -> int | None:
        """Evaluate one trigger; return its workflow id if it fired (a quarantined or failing one is broken)."""
        if fault is not None:
            self.mark_broken(session, trigger_id, fault)
            return None
        workflow_id, condition = self._triggers[trigger_id]
        state = _state_row(session, workflow_id, trigger_id)
        verdict = evaluate(condition, event.namespace or "", event, {}, state.value, custom)
        if verdict.error is not None:
            self.mark_broken(session, trigger_id, _failure(trigger_id, condition, event, verdict.error))
            return None
        state.value = verdict.state
        return workflow_id if verdict.met else None

    def mark_broken(self, session: Session, trigger_id: int, error: str) -> None:
        """Take a trigger out of play with ``error``, in the caller's transaction."""
        logger.warning("Scheduler: trigger %s taken out of play: %s", trigger_id, error)
        trigger = session.get(WorkflowEventTrigger, trigger_id)
        if trigger is not None:
            trigger.error = error
        self._forget(trigger_id)

    def _add(self, session: Session, trigger: WorkflowEventTrigger, namespace: str) -> None:
        try:
            condition = condition_from_dict(_json(trigger.condition), f"trigger {trigger.id}")
        except PlanError as exc:
            self.mark_broken(session, trigger.id, f"its condition cannot be read: {exc}")
            return
        self._triggers[trigger.id] = (trigger.workflow_id, condition)
        self._index.add(trigger.id, namespace, condition.expect_event_keys)

    def _forget(self, trigger_id: int) -> None:
        self._index.remove(trigger_id)
        self._triggers.pop(trigger_id, None)


def _json(text: str | None) -> object:
    if text is None:
        raise PlanError("it has no condition")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise PlanError(f"not valid JSON: {exc}") from None


def _failure(trigger_id: int, condition: ConditionPlan, event: Event, error: str) -> str:
    return (f"Trigger {trigger_id}: condition {condition.describe()} failed on event {event.key!r} "
            f"at offset {event.offset}:\n{error}")


def _in_play() -> Select[WorkflowEventTrigger, str]:
    return (
        select(WorkflowEventTrigger, Workflow.namespace)
        .join(Workflow, Workflow.id == WorkflowEventTrigger.workflow_id)
        .where(WorkflowEventTrigger.is_paused.is_(False), WorkflowEventTrigger.error.is_(None),
               Workflow.is_enabled.is_(True))
        .order_by(WorkflowEventTrigger.id)
    )


def _state_row(session: Session, workflow_id: int, trigger_id: int) -> WorkflowRuleState:
    name = f"trigger:{trigger_id}"
    row = session.get(WorkflowRuleState, (workflow_id, name))
    if row is None:
        row = WorkflowRuleState(workflow_id=workflow_id, name=name, value=None)
        session.add(row)
    return row
