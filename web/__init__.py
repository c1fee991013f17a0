"""The AIFlow API server: a Flask app built by :func:`create_app`.

Run it with :func:`web.serve.run` (``aiflow webserver start``), or with gunicorn
(``gunicorn 'web:create_app()'``; for ``/metrics`` over several workers, see docs/metrics.md).
Nothing is built at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from aiflow.blob_manager.package_store import package_store_location
from aiflow.config import ServerConfig, load_server_config
from aiflow.metadata import engine_from_config
from notification.client import NotificationClient
from notification.config import load_notification_config, notification_home
from web import api, auth, errors, metrics, services, session, ui
from web.tokens import TokenRegistry

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def create_app(
    config: ServerConfig | None = None, *, engine: Engine | None = None, bus: NotificationClient | None = None
) -> Flask:
    """Build the API server for ``config`` (by default ``aiflow_server.yaml``).

    ``engine`` and ``bus`` replace the metadata engine and the event bus client
    the configuration names (tests pass their own). The bus client the app
    builds gives up on an unreachable bus after
    :data:`~web.services.BUS_RETRY_BUDGET_S`, so requests answer 503 quickly.

    Raises:
        ConfigError: the tokens are malformed, or the server would bind to a
            non-loopback address without any token configured or stored.
    """
    config = config or load_server_config()
    engine = engine or engine_from_config(config)
    tokens = TokenRegistry.from_config(config.api_tokens, engine, config.rest_bind_address)
    tokens.check_bind_address()
    app = Flask(__name__, static_url_path="/static")
    app.config["MAX_CONTENT_LENGTH"] = config.max_upload_bytes
    built = services.Services(
        config=config,
        engine=engine,
        bus=bus or _connect_bus(config),
        blobs=package_store_location(config).open(),
        tokens=tokens,
    )
    services.init_app(app, built)
    metrics.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    api.init_app(app)
    session.init_app(app)
    ui.init_app(app)
    return app


def _connect_bus(config: ServerConfig) -> NotificationClient:
    return NotificationClient.from_config(
        load_notification_config(), notification_home(), server_uri=config.notification_server_uri,
        retry_budget=services.BUS_RETRY_BUDGET_S,
    )
