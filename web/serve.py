"""Serving the API with gunicorn on the configured address: :func:`run`."""

from __future__ import annotations

import gc
import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from prometheus_client import multiprocess

from aiflow.config import ServerConfig
from aiflow.file_modes import keep_files_private
from aiflow.metadata import engine_from_config
from aiflow.multiprocess_metrics import ENVIRONMENT
from web import create_app
from web.tokens import TokenRegistry

#: Seconds a request may take beyond validating an upload (which has its own time limit).
REQUEST_TIME_MARGIN_S = 30


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """A gunicorn application whose workers each build their own Flask app after forking."""

    def __init__(self, config: ServerConfig, options: dict[str, Any]) -> None:
        self._config = config
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        keep_files_private()  # a worker writes packages into the blob store, never readable by others
        return create_app(self._config)


def run(config: ServerConfig, workers: int = 2, threads: int = 16) -> None:
    """Serve the API on ``rest_bind_address:rest_port`` until gunicorn is told to stop.

    Each worker process serves ``threads`` requests at once, so a client
    following a task's log does not hold a whole worker: the web UI's live
    streams (:data:`~web.ui.streams.STREAM_SLOTS`) and waiting event listings
    (:data:`~web.api.events.WAITING_SLOTS`) together take at most 10 of the 16.
    With ``PROMETHEUS_MULTIPROC_DIR`` set (:mod:`aiflow.multiprocess_metrics`), the workers count
    requests there and ``/metrics`` adds up all of them.

    Raises:
        ConfigError: see :func:`web.create_app`; raised before binding.
    """
    host = config.rest_bind_address
    check_bind_address(config)
    gc.freeze()  # what is loaded by now the workers share: their full collections then never touch (copy) it
    _Gunicorn(config, {
        "bind": f"[{host}]:{config.rest_port}" if ":" in host else f"{host}:{config.rest_port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": int(config.workflow_load_timeout) + REQUEST_TIME_MARGIN_S,
        "proc_name": "aiflow-api",
        "control_socket_disable": True,  # ~/.gunicorn/gunicorn.ctl would be shared by every server
        "child_exit": _worker_exited,
    }).run()


def _worker_exited(_server: object, worker: Any) -> None:
    """Drop the live-gauge values of a worker that exited (its counters still count, in the multiprocess folder)."""
    if ENVIRONMENT in os.environ:
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def check_bind_address(config: ServerConfig) -> None:
    """Refuse, before binding, to serve an open API on an address other hosts reach (see :mod:`web.tokens`)."""
    engine = engine_from_config(config)
    try:
        TokenRegistry.from_config(config.api_tokens, engine, config.rest_bind_address).check_bind_address()
    finally:
        engine.dispose()
