"""The Celery app of the workers, built from the configuration by :func:`create_app`.

Settings, and why (the broker is the event bus's Redis):

=======================================  ==========  ==========================================================
setting                                  value       why
=======================================  ==========  ==========================================================
``task_serializer``, ``accept_content``  ``json``    payloads are plain ids and names; pickles never travel
                                                     through the broker (a worker unpickles only the workflow
                                                     of a snapshot it fetched from the API server)
``task_acks_late``                       True        a message is acknowledged when its try ends, so a job
                                                     taken by a worker that dies is not lost
``worker_pool``                          ``threads`` a slot only supervises its try's process (forked by
                                                     the worker's one fork server) and waits on pipes and
                                                     Redis: threads of one process do that, where prefork
                                                     pool processes each held ~50 MB and a fork server
``worker_prefetch_multiplier``           1           a worker reserves no more jobs than it can run now, so
                                                     waiting jobs go to idle workers
``visibility_timeout``                   30 days     Redis delivers an unacknowledged message again after this
                                                     time; tries of streaming tasks last as long as they run,
                                                     so it is far above any batch task. A try that does outlive
                                                     it gets one more delivery per period, which finds the
                                                     claim (kept alive by heartbeats) and ends at once
                                                     (``notification.task_control.CLAIM_TTL`` is longer)
``worker_cancel_long_running_tasks_``    False       a dropped broker connection must not kill running tries;
``on_connection_loss``                               their supervisor and heartbeats do not use the broker
``worker_send_task_events``,             False       Celery's task events cost a worker a fifth of its CPU per
``task_send_sent_event``                             try (and the scheduler one publish per job); Flower turns
                                                     a worker's events on while it watches (its default
                                                     ``--enable_events``), so it still shows workers and jobs
``task_default_queue``                   ``aiflow``  tasks whose operator names no ``queue``
``task_ignore_result``                   True        outcomes are status events on the bus, not Celery results
=======================================  ==========  ==========================================================
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from aiflow.config import ServerConfig, load_server_config
from workers.control import VISIBILITY_TIMEOUT
from workers.jobs import WorkerServices, register_jobs
from workers.settings import DEFAULT_QUEUE, WorkerSettings


def create_app(config: ServerConfig | None = None, settings: WorkerSettings | None = None) -> Celery:
    """Build the workers' Celery app from ``settings``, or from ``config`` (default: ``aiflow_server.yaml``)."""
    settings = settings or WorkerSettings.from_config(config or load_server_config())
    app = Celery("aiflow", set_as_current=False)
    app.conf.update(celery_settings(settings.redis_url))
    register_jobs(app, WorkerServices(settings))
    return app


def celery_settings(broker_url: str) -> dict[str, Any]:
    """Return the Celery settings of the table above for the broker at ``broker_url``."""
    return {
        "broker_url": broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": int(VISIBILITY_TIMEOUT.total_seconds())},
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "worker_pool": "threads",
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "worker_send_task_events": False,
        "task_send_sent_event": False,
        "task_default_queue": DEFAULT_QUEUE,
        "task_ignore_result": True,
    }
