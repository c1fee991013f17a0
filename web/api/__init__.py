"""The REST API's blueprints, one module per resource, all under :data:`API_PREFIX`."""

from __future__ import annotations

from flask import Flask

from web.api import (
    events,
    executions,
    health,
    namespaces,
    rejected_events,
    schedules,
    snapshots,
    task_executions,
    tokens,
    triggers,
    workflows,
)
from web.params import IdConverter

API_PREFIX = "/api/v1"

BLUEPRINTS = (
    health.bp,
    namespaces.bp,
    workflows.bp,
    snapshots.bp,
    executions.bp,
    task_executions.bp,
    schedules.bp,
    triggers.bp,
    events.bp,
    rejected_events.bp,
    tokens.bp,
)


def init_app(app: Flask) -> None:
    """Register the ``<id:...>`` route converter and every blueprint on ``app``."""
    app.url_map.converters["id"] = IdConverter
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint, url_prefix=API_PREFIX)
