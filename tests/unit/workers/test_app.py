"""The Celery app: built from the configuration on demand, with the settings workers rely on."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import workers
from aiflow.config import ServerConfig
from aiflow.errors import ConfigError
from notification.task_control import CLAIM_TTL
from workers.celery_app import create_app
from workers.control import VISIBILITY_TIMEOUT
from workers.jobs import START_TASK
from workers.runtime.messages import Outcome, Started, parse_line
from workers.settings import WorkerSettings


def test_app_has_the_jobs_and_the_correctness_settings(tmp_path: Path) -> None:
    (tmp_path / "redis.password").write_text("s3cret\n")
    config = ServerConfig(notification_server_uri="127.0.0.1:6390")

    app = create_app(settings=WorkerSettings.from_config(config, notification_dir=tmp_path))

    assert START_TASK in app.tasks
    assert "aiflow.stop_task" not in app.tasks  # stops are carried out on Redis, not as jobs
    assert app.conf.task_acks_late
    assert app.conf.worker_pool == "threads"  # slots are threads; each try runs in a process of its own
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_default_queue == "aiflow"
    assert app.conf.broker_transport_options["visibility_timeout"] >= 30 * 86400
    assert app.conf.broker_url == "redis://:s3cret@127.0.0.1:6390/0"  # the embedded server's password
    app.close()


def test_a_claim_outlives_any_redelivery_of_its_job() -> None:
    assert CLAIM_TTL > VISIBILITY_TIMEOUT


def test_importing_the_package_reads_no_configuration(isolated_homes: Path) -> None:
    home = isolated_homes / "aiflow"
    home.mkdir()
    (home / "aiflow_server.yaml").write_text("task_heartbeat_interval: often\n")
    workers.default_app.cache_clear()

    importlib.reload(workers)  # fine: nothing is read yet

    with pytest.raises(ConfigError, match="task_heartbeat_interval"):
        _ = workers.app


def test_child_messages_round_trip() -> None:
    assert parse_line(Started(2.5).to_line()) == Started(2.5)
    assert parse_line(Started(None).to_line()) == Started(None)
    assert parse_line(Started(1.0, command=True, grace_period=10.0).to_line()) == Started(1.0, True, 10.0)
    failed = Outcome.failed("exit code 3")
    assert parse_line(failed.to_line()) == failed
    assert failed.describe() == "FAILED: exit code 3"
