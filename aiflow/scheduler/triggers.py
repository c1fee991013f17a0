"""Workflow triggers: WorkflowRules whose conditions, when met by an event, start a new execution."""

from __future__ import annotations

import logging
import pickle
import traceback
from typing import Any

import cloudpickle
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from aiflow.metadata.definitions import Workflow, WorkflowEventTrigger
from aiflow.metadata.scheduler_state import WorkflowRuleState
from aiflow.model.context import MappingContext
from aiflow.model.rule import WorkflowRule
from aiflow.scheduler.engine.index import RuleIndex
from notification.event import Event

logger = logging.getLogger(__name__)


class TriggerSet:
    """The active triggers of enabled workflows, indexed by (namespace, expected key)."""

    def __init__(self) -> None:
        self._index = RuleIndex()
        self._rules: dict[int, tuple[int, WorkflowRule]] = {}  # trigger id -> (workflow id, rule)

    def rebuild(self, session: Session) -> None:
        """Load every active trigger of an enabled workflow."""
        self._index, self._rules = RuleIndex(), {}
        for trigger, namespace in session.execute(_active()):
            self._add(trigger, namespace)

    def refresh_workflow(self, session: Session, workflow_id: int) -> None:
        """Reload the triggers of one workflow after it or its triggers changed."""
        for trigger_id in [t for t, (w, _) in self._rules.items() if w == workflow_id]:
            self._index.remove(trigger_id)
            del self._rules[trigger_id]
        for trigger, namespace in session.execute(_active().where(Workflow.id == workflow_id)):
            self._add(trigger, namespace)

    def fired(self, session: Session, event: Event) -> list[int]:
        """Evaluate the triggers expecting ``event``; return the workflow ids to start, in trigger order.

        Each trigger keeps durable state per workflow; a condition that raises
        counts as not met and is logged with its traceback.
        """
        workflows = []
        for trigger_id in self._index.expecting(event.namespace, event.key):
            workflow_id, rule = self._rules[trigger_id]
            state_row = _state_row(session, workflow_id, trigger_id)
            states: dict[str, Any] = pickle.loads(state_row.value) if state_row.value else {}
            try:
                met = rule.trigger(event, MappingContext({}, states))
            except Exception:  # user code: contained and logged, never fatal
                logger.warning("Scheduler: trigger %s raised on offset %s:\n%s", trigger_id, event.offset,
                               traceback.format_exc())
                met = False
            state_row.value = cloudpickle.dumps(states)
            if met:
                workflows.append(workflow_id)
        return workflows

    def _add(self, trigger: WorkflowEventTrigger, namespace: str) -> None:
        try:
            rule = cloudpickle.loads(trigger.rule)
        except Exception:  # a stored rule that no longer unpickles must not stop the scheduler
            logger.exception("Scheduler: trigger %s cannot be loaded; ignored", trigger.id)
            return
        self._rules[trigger.id] = (trigger.workflow_id, rule)
        self._index.add(trigger.id, namespace, rule.condition.expect_event_keys)


def _active() -> Select[WorkflowEventTrigger, str]:
    return (
        select(WorkflowEventTrigger, Workflow.namespace)
        .join(Workflow, Workflow.id == WorkflowEventTrigger.workflow_id)
        .where(WorkflowEventTrigger.is_paused.is_(False), Workflow.is_enabled.is_(True))
    )


def _state_row(session: Session, workflow_id: int, trigger_id: int) -> WorkflowRuleState:
    name = f"trigger:{trigger_id}"
    row = session.get(WorkflowRuleState, (workflow_id, name))
    if row is None:
        row = WorkflowRuleState(workflow_id=workflow_id, name=name, value=None)
        session.add(row)
    return row
