"""Building and running a scheduler from the server configuration (``aiflow scheduler``)."""

from __future__ import annotations

import threading
from datetime import timedelta

from celery import Celery
from sqlalchemy.engine import Engine

from aiflow.clock import utcnow
from aiflow.config import ServerConfig
from aiflow.metadata.engine import engine_from_config
from aiflow.metadata.execution_views import SnapshotCache
from aiflow.scheduler.apply import Applier
from aiflow.scheduler.chores import HeartbeatWatch, PeriodicTicker, RetryTimer, ScheduleTicker
from aiflow.scheduler.dispatch import Dispatcher
from aiflow.scheduler.lease import SchedulerLease
from aiflow.scheduler.loop import Chore, SchedulerLoop
from notification.client import NotificationClient
from notification.config import PASSWORD_FILE, notification_home
from notification.connection import normalize_url, with_password
from notification.keys import TaskKeys

#: How often schedules, periodic tasks and retry delays are checked.
TIMER_RESOLUTION = timedelta(seconds=1)


def job_sender(config: ServerConfig) -> Celery:
    """Return a Celery app that only sends jobs (JSON only) to the configured broker."""
    broker = with_password(normalize_url(config.notification_server_uri), notification_home() / PASSWORD_FILE)
    app = Celery("aiflow-scheduler", broker=broker, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"], broker_connection_retry_on_startup=True)
    return app


def build_chores(config: ServerConfig, engine: Engine, bus: NotificationClient,
                 snapshots: SnapshotCache) -> list[Chore]:
    """Return the scheduler's periodic duties, configured from ``config``."""
    heartbeat_check = timedelta(seconds=config.task_executor_heartbeat_check_interval)
    return [
        ScheduleTicker(engine, bus, TIMER_RESOLUTION),
        PeriodicTicker(engine, bus, TIMER_RESOLUTION, snapshots),
        RetryTimer(engine, bus, TIMER_RESOLUTION, snapshots),
        HeartbeatWatch(engine, bus, heartbeat_check, timedelta(seconds=config.task_heartbeat_timeout), TaskKeys()),
    ]


def run_scheduler(config: ServerConfig, stop: threading.Event) -> None:
    """Run a scheduler (leader or standby) described by ``config`` until ``stop`` is set."""
    engine = engine_from_config(config)
    bus = NotificationClient(config.notification_server_uri, password_file=notification_home() / PASSWORD_FILE)
    sender = job_sender(config)
    snapshots = SnapshotCache()
    try:
        lease = SchedulerLease(bus.redis, int(config.scheduler_lease_period * 1000))
        loop = SchedulerLoop(
            bus, lease, Applier(engine, utcnow, snapshots), Dispatcher(engine, sender),
            build_chores(config, engine, bus, snapshots), utcnow,
        )
        loop.run(stop)
    finally:
        sender.close()
        bus.close()
        engine.dispose()
