"""The project's configuration, as the spec's ``current_project_config()`` gives it.

Inside a task it is ``project.yaml`` at the top of the workflow's package
(upload it with the workflow: ``aiflow workflow upload wf.py -f project.yaml``); its
``blob`` section names the blob manager tasks share files through, with the
project's own credentials. Elsewhere (a script on a client host) it is the
``blob_manager`` section of ``aiflow_client.yaml``, under ``blob``. A task
never sees the server's configuration or its store's credentials.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from aiflow.errors import ConfigError

PROJECT_FILE = "project.yaml"
"""The project configuration's file name, at the top of a workflow's package."""


def current_project_config() -> dict[str, Any]:
    """Return the project configuration of the task running this code, or of the client host outside tasks.

    Raises:
        ConfigError: ``project.yaml`` is not a YAML mapping.
    """
    from aiflow.notification.task_runtime import TASK_RUNTIME_ENV, TaskRuntime

    if TASK_RUNTIME_ENV in os.environ:
        return read_project_config(Path(TaskRuntime.from_environment().run_folder) / PROJECT_FILE)
    from aiflow.config import load_client_config

    return {"blob": load_client_config().blob_manager}


def read_project_config(path: Path) -> dict[str, Any]:
    """Return the mapping in the file at ``path``; empty when there is no such file.

    Raises:
        ConfigError: the file is not a YAML mapping.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path.name}: cannot be read: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: expected a mapping, got {type(data).__name__}")
    return data
