"""Starting evaluator processes for the scheduler: ``aiflow.evaluator.child`` in a sandbox."""

from __future__ import annotations

from collections.abc import Callable

from aiflow.config import ServerConfig
from aiflow.evaluator.pool import ChildProcess, EvaluatorPool
from aiflow.sandbox.child import SandboxedChild
from aiflow.sandbox.policy import SandboxPolicy, policy_from_config

MODULE = "aiflow.evaluator.child"


def evaluator_starter(policy: SandboxPolicy) -> Callable[[str], ChildProcess]:
    """Return what starts the evaluator process of a namespace: a sandboxed child, no CPU limit (it lives long).

    Every namespace gets a process (and a working folder) of its own.
    """
    def start(namespace: str) -> ChildProcess:
        return SandboxedChild.start(MODULE, [], policy)

    return start


def evaluator_pool(config: ServerConfig) -> EvaluatorPool:
    """Return the scheduler's pool of evaluator processes, sandboxed and timed as ``config`` says."""
    return EvaluatorPool(evaluator_starter(policy_from_config(config)), timeout=config.condition_evaluation_timeout)
