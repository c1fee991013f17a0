"""Plans: the scheduling description of a workflow, as validated plain data (see README.md)."""

from aiflow.plan.conditions import (
    ConditionPlan,
    CustomCondition,
    EventCondition,
    Match,
    StatusCondition,
    StatusRequirement,
    condition_from_dict,
)
from aiflow.plan.shape import PlanError
from aiflow.plan.workflow_plan import PLAN_VERSION, RulePlan, TaskPlan, WorkflowPlan

__all__ = [
    "PLAN_VERSION",
    "ConditionPlan",
    "CustomCondition",
    "EventCondition",
    "Match",
    "PlanError",
    "RulePlan",
    "StatusCondition",
    "StatusRequirement",
    "TaskPlan",
    "WorkflowPlan",
    "condition_from_dict",
]
