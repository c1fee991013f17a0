"""The API server's private folder for prometheus_client's multiprocess mode (docs/metrics.md).

prometheus_client chooses, when it is first imported, whether a process keeps its values in memory
or in files of the folder ``PROMETHEUS_MULTIPROC_DIR`` names. So ``aiflow webserver start`` calls
:func:`use_private_folder` before it loads the web app: each gunicorn worker then writes its values
there, and whichever worker answers ``/metrics`` adds up all of them. The gunicorn master drops
the live-gauge files of each worker that exits (:func:`web.serve.run`). This module imports nothing
of prometheus_client.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from aiflow.config import aiflow_home
from aiflow.file_modes import PRIVATE_FOLDER, private_folder

ENVIRONMENT = "PROMETHEUS_MULTIPROC_DIR"


def api_server_folder() -> Path:
    """The folder of this home's API server (one per home: ``aiflow webserver start`` refuses a second)."""
    return aiflow_home() / "run" / "api-metrics"


def use_private_folder(folder: Path) -> Path:
    """Make ``folder`` empty (mode 0700) and name it in ``PROMETHEUS_MULTIPROC_DIR``, for this process and its children.

    Values a previous server left there would otherwise be added to this one's.

    Raises:
        RuntimeError: prometheus_client was imported already, too early for it to use the folder.
    """
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess folder was set")
    if folder.exists():
        shutil.rmtree(folder)
    private_folder(folder.parent)
    folder.mkdir(mode=PRIVATE_FOLDER)
    folder.chmod(PRIVATE_FOLDER)  # whatever the umask
    os.environ[ENVIRONMENT] = str(folder)
    return folder
