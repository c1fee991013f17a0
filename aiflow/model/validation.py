"""Checks a loaded workflow file must pass beyond what declaring it already checked.

Declaring tasks and rules rejects most mistakes on the spot (duplicate task
names, bad periodic expressions, rules on another workflow's tasks). What can
only be checked once the whole file has run is checked here: rules that name
upstream tasks by a name no task has, and two workflows with the same name.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiflow.errors import InvalidInputError
from aiflow.model.internal.events import task_name_of_status_event_key
from aiflow.model.source import SourceLocation
from aiflow.model.workflow import Workflow


class WorkflowDefinitionError(InvalidInputError):
    """A workflow is inconsistent; ``location`` is where the offending part was declared."""

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


def validate_workflow(workflow: Workflow) -> None:
    """Raise :class:`WorkflowDefinitionError` if a rule depends on a task the workflow lacks."""
    for task_name, rules in workflow.rules.items():
        for rule in rules:
            for key in rule.condition.expect_event_keys:
                upstream = task_name_of_status_event_key(key)
                if upstream is not None and upstream not in workflow.tasks:
                    raise WorkflowDefinitionError(
                        f"A rule of task {task_name!r} in workflow {workflow.name!r} depends on "
                        f"task {upstream!r}, which is not a task of that workflow",
                        rule.declared_at,
                    )


def validate_workflows(workflows: Iterable[Workflow]) -> None:
    """Validate each workflow and reject two with the same namespace and name."""
    seen: set[tuple[str, str]] = set()
    for workflow in workflows:
        identity = (workflow.namespace, workflow.name)
        if identity in seen:
            raise WorkflowDefinitionError(
                f"Workflow {workflow.name!r} is declared twice in namespace {workflow.namespace!r}",
                workflow.declared_at,
            )
        seen.add(identity)
        validate_workflow(workflow)
