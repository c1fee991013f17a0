"""What every page's template may use: the caller and what it may do, its namespaces, the CSRF token, formats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, g

from aiflow.metadata.queries.namespaces import list_namespaces
from aiflow.model.status import WorkflowStatus
from web.api import API_PREFIX
from web.auth import Principal, Role, principal
from web.services import transaction
from web.session import CSRF_FIELD, csrf_token

MAX_NAMESPACES = 200


def can_edit(namespace: str, caller: Principal | None = None) -> bool:
    """Whether the caller may change things in ``namespace`` (the pages show action buttons only then)."""
    caller = caller or principal()
    return caller.role in (Role.ADMIN, Role.EDITOR) and caller.can_access(namespace)


def visible_namespaces() -> list[str]:
    """The names of the namespaces the caller may see."""
    only = principal().namespaces
    with transaction() as session:
        return [namespace.name for namespace in list_namespaces(session, MAX_NAMESPACES, 0, only).items]


def duration(begin: datetime | None, end: datetime | None) -> str:
    """How long from ``begin`` to ``end`` (to now while it runs), as 1.2 s, 3 m 4 s or 2 h 5 m."""
    if begin is None:
        return ""
    seconds = ((end or datetime.now(UTC)) - begin).total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} m"


def clock(time: datetime | None) -> str:
    """A time as the pages show it (UTC, to the millisecond)."""
    return time.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if time is not None else ""


def millis(value: int | None) -> str:
    """A time in milliseconds since the epoch (the bus's clock) as :func:`clock` shows times."""
    return clock(datetime.fromtimestamp(value / 1000, UTC)) if value is not None else ""


def _globals() -> dict[str, Any]:
    return {
        "caller": lambda: g.get("principal"), "can_edit": can_edit, "visible_namespaces": visible_namespaces,
        "csrf_token": csrf_token, "csrf_field": CSRF_FIELD, "api": API_PREFIX, "duration": duration,
        "workflow_statuses": [status.value for status in WorkflowStatus],
    }


def init_app(app: Flask) -> None:
    """Make the helpers above available to every template."""
    app.jinja_env.globals.update(_globals())
    app.jinja_env.filters.update({"clock": clock, "millis": millis})
