"""Building and running a scheduler from the server configuration (``aiflow scheduler``)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from celery import Celery
from sqlalchemy.engine import Engine

from aiflow.backoff import Outage
from aiflow.clock import utcnow
from aiflow.config import ServerConfig
from aiflow.evaluator.process import evaluator_pool
from aiflow.metadata.engine import engine_from_config
from aiflow.metrics_server import MetricsEndpoint
from aiflow.scheduler.announce import Announcer
from aiflow.scheduler.apply import Applier
from aiflow.scheduler.chores import PeriodicTicker, RetryTimer, ScheduleTicker
from aiflow.scheduler.engine.rules import CustomEvaluator
from aiflow.scheduler.heartbeat_watch import HeartbeatWatch
from aiflow.scheduler.housekeeping import Janitor, StartWatch
from aiflow.scheduler.lease import SchedulerLease
from aiflow.scheduler.loop import Chore, LoopSettings, SchedulerLoop
from aiflow.scheduler.metrics import SchedulerMetrics
from aiflow.scheduler.outbox import Dispatcher
from aiflow.scheduler.pairing import PairingCheck
from aiflow.scheduler.plans import PlanCache
from aiflow.scheduler.writer import DEFAULT_QUEUE
from notification.client import NotificationClient
from notification.config import PASSWORD_FILE, load_notification_config, notification_home
from notification.connection import normalize_url, with_password
from notification.keys import TaskKeys

logger = logging.getLogger(__name__)

#: How often schedules, periodic tasks and retry delays are checked.
TIMER_RESOLUTION = timedelta(seconds=1)
#: How often orphaned executions are looked for, and old rows pruned.
HOUSEKEEPING_INTERVAL = timedelta(minutes=1)
#: How long the scheduler's bus client rides over a dropped connection before its call fails. The loop
#: waits outages out itself and must see them, to leave heartbeats unjudged for a while after one.
BUS_RETRY_BUDGET_S = 1.0


def job_sender(config: ServerConfig) -> Celery:
    """Return a Celery app that only sends jobs (JSON only) to the configured broker."""
    broker = with_password(normalize_url(config.notification_server_uri), notification_home() / PASSWORD_FILE)
    app = Celery("aiflow-scheduler", broker=broker, set_as_current=False)
    app.conf.update(task_serializer="json", accept_content=["json"], broker_connection_retry_on_startup=True)
    return app


def build_chores(config: ServerConfig, engine: Engine, bus: NotificationClient, plans: PlanCache,
                 outage: Outage) -> list[Chore]:
    """Return the scheduler's periodic duties, configured from ``config``."""
    heartbeat_check = timedelta(seconds=config.task_executor_heartbeat_check_interval)
    heartbeat_timeout = timedelta(seconds=config.task_heartbeat_timeout)
    return [
        ScheduleTicker(engine, bus, TIMER_RESOLUTION),
        PeriodicTicker(engine, bus, TIMER_RESOLUTION, plans),
        RetryTimer(engine, bus, TIMER_RESOLUTION, plans),
        HeartbeatWatch(engine, bus, heartbeat_check, heartbeat_timeout, TaskKeys(), outage),
        StartWatch(engine, bus, HOUSEKEEPING_INTERVAL),
        Janitor(engine, bus, HOUSEKEEPING_INTERVAL, config.history_retention),
    ]


def build_scheduler(config: ServerConfig, engine: Engine, bus: NotificationClient, sender: Celery,
                    evaluators: CustomEvaluator, settings: LoopSettings | None = None,
                    metrics: SchedulerMetrics | None = None) -> SchedulerLoop:
    """Assemble a scheduler loop over these stores (the caller owns and closes them), counting into ``metrics``."""
    plans = PlanCache()
    outage = Outage(logger, "Scheduler")
    lease = SchedulerLease(bus.redis, int(config.scheduler_lease_period * 1000))
    pairing = PairingCheck(engine, bus)
    metrics = metrics or SchedulerMetrics()
    metrics.backlog.watch(engine, bus, DEFAULT_QUEUE)
    return SchedulerLoop(bus, lease, Applier(engine, utcnow, plans, evaluators, metrics),
                         Dispatcher(engine, sender, bus), [pairing, *build_chores(config, engine, bus, plans, outage)],
                         utcnow, settings or LoopSettings(), outage, pairing, Announcer(bus), metrics)


def run_scheduler(config: ServerConfig, stop: threading.Event, metrics_port: int | None = None) -> None:
    """Run a scheduler (leader or standby) described by ``config`` until ``stop`` is set.

    Its metrics are served on ``metrics_port`` (default: ``scheduler_metrics_port``; 0: not served).
    """
    engine = engine_from_config(config)
    bus = NotificationClient.from_config(load_notification_config(), notification_home(),
                                         server_uri=config.notification_server_uri, retry_budget=BUS_RETRY_BUDGET_S)
    sender = job_sender(config)
    evaluators = evaluator_pool(config)
    metrics = SchedulerMetrics()
    port = config.scheduler_metrics_port if metrics_port is None else metrics_port
    try:
        with MetricsEndpoint(metrics.registry, config.metrics_bind_address, port, "Scheduler"):
            build_scheduler(config, engine, bus, sender, evaluators, metrics=metrics).run(stop)
    finally:
        evaluators.close()
        sender.close()
        bus.close()
        engine.dispose()
