"""Health of the parts the API server does not see itself: which scheduler leads and how far it lags behind
the log, and the workers seen lately with the tries they run (Flower shows the workers' own view)."""

from __future__ import annotations

import time

from flask import Blueprint, render_template

from aiflow.metadata import checkpoint
from aiflow.metadata.queries.overview import running_by_worker
from aiflow.scheduler.lease import current_leader
from web.auth import require_namespace
from web.services import services, transaction

bp = Blueprint("ui_system", __name__)

FLOWER_PORT = 5555


@bp.get("/namespaces/<namespace>/system")
def system(namespace: str) -> str:
    """The scheduler's lease and lag, and the namespace's running tries by worker."""
    require_namespace(namespace)
    bus = services().bus
    with transaction() as session:
        applied = checkpoint.last_applied_offset(session)
        workers = running_by_worker(session, namespace)
    latest = bus.latest_offset()
    waiting = bus.list_events(begin_offset=applied, limit=1) if latest > applied else []
    lag_s = max(0.0, time.time() - waiting[0].create_time / 1000) if waiting and waiting[0].create_time else 0.0
    return render_template("system/system.html", namespace=namespace, leader=current_leader(bus.redis),
                           applied=applied, latest=latest, lag_s=lag_s, workers=workers, flower_port=FLOWER_PORT)
