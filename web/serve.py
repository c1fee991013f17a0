"""Serving the API with gunicorn on the configured address: :func:`run`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from aiflow.config import ServerConfig
from web import create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """A gunicorn application serving one prebuilt Flask app."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def run(config: ServerConfig, workers: int = 2) -> None:
    """Serve the API on ``rest_bind_address:rest_port`` until gunicorn is told to stop.

    Raises:
        ConfigError: see :func:`web.create_app`; raised before binding.
    """
    app = create_app(config)
    bind = f"{config.rest_bind_address}:{config.rest_port}"
    _Gunicorn(app, {"bind": bind, "workers": workers}).run()
