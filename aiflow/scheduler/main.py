"""Building and running a scheduler from the server configuration (``aiflow scheduler``)."""

from __future__ import annotations

import threading

from celery import Celery

from aiflow.clock import utcnow
from aiflow.config import ServerConfig
from aiflow.metadata.engine import engine_from_config
from aiflow.scheduler.apply import Applier
from aiflow.scheduler.dispatch import Dispatcher
from aiflow.scheduler.loop import SchedulerLoop
from notification.client import NotificationClient
from notification.config import PASSWORD_FILE, notification_home
from notification.connection import normalize_url, with_password


def job_sender(config: ServerConfig) -> Celery:
    """Return a Celery app that only sends jobs (JSON only) to the configured broker."""
    broker = with_password(normalize_url(config.notification_server_uri), notification_home() / PASSWORD_FILE)
    app = Celery("aiflow-scheduler", broker=broker, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"], broker_connection_retry_on_startup=True)
    return app


def run_scheduler(config: ServerConfig, stop: threading.Event) -> None:
    """Run the scheduler described by ``config`` until ``stop`` is set."""
    engine = engine_from_config(config)
    bus = NotificationClient(config.notification_server_uri, password_file=notification_home() / PASSWORD_FILE)
    sender = job_sender(config)
    try:
        loop = SchedulerLoop(bus, Applier(engine, utcnow), Dispatcher(engine, sender), chores=[], clock=utcnow)
        loop.run(stop)
    finally:
        sender.close()
        bus.close()
        engine.dispose()
