"""What task processes get of the worker's environment, what the worker knows as its secrets, what tasks may not see."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from aiflow.config import ServerConfig, aiflow_home
from workers.runtime.confinement import TaskConfinement, task_base_environment
from workers.runtime.environment import task_environment
from workers.settings import WorkerSettings, server_data

TOKEN = "tok-3f9a"
PASSWORD = "p@ss/9"
WORKER = {
    "PATH": "/usr/bin:/bin", "HOME": "/root", "FLINK_HOME": "/opt/flink", "PYTHONPATH": "/srv/lib",
    "AIFLOW_WORKER_TOKEN": TOKEN, "aiflow_home": "/root/aiflow", "NOTIFICATION_HOME": "/root/ns",
    "CELERY_BROKER_URL": "redis://h/0", "REDIS_URL": "redis://h/0", "REDISCLI_AUTH": PASSWORD,
    "UPSTREAM": f"Bearer {TOKEN}", "BROKER": "redis://:p%40ss%2F9@h:6379/0", "DB_PASSWORD": "x", "DATABASE_URL": "y",
}


def test_worker_variables_and_those_holding_a_secret_are_left_out() -> None:
    kept, for_secret = task_environment(WORKER, "", [TOKEN, PASSWORD, "p%40ss%2F9"])

    assert kept == {"PATH": "/usr/bin:/bin", "HOME": "/root", "FLINK_HOME": "/opt/flink", "PYTHONPATH": "/srv/lib",
                    "DB_PASSWORD": "x", "DATABASE_URL": "y"}
    assert for_secret == ["BROKER", "UPSTREAM"]  # only the names, to be logged


@pytest.mark.parametrize(("drop", "left_out"), [
    ("DATABASE_URL", {"DATABASE_URL"}),
    ("DATABASE_URL, *_PASSWORD", {"DATABASE_URL", "DB_PASSWORD"}),
    ("DB_*\tFLINK_HOME", {"DB_PASSWORD", "FLINK_HOME"}),
    ("database_url", set()),  # names are matched as written
])
def test_configured_names_and_patterns_are_left_out(drop: str, left_out: set[str]) -> None:
    everything, _ = task_environment(WORKER, "", [])

    kept, _ = task_environment(WORKER, drop, [])

    assert set(everything) - set(kept) == left_out


def test_an_empty_secret_leaves_out_nothing() -> None:
    assert task_environment({"PATH": "/bin"}, "", ["", TOKEN]) == ({"PATH": "/bin"}, [])


@pytest.fixture
def settings() -> WorkerSettings:
    return WorkerSettings(
        redis_url="redis://:p%40ss%2F9@127.0.0.1:6379/0", api_server_address="http://api", worker_token=TOKEN,
        heartbeat_interval=1, heartbeat_timeout=3, log_dir=Path("/l"), work_dir=Path("/w"),
        log_retention=timedelta(days=1), run_retention=timedelta(days=1), concurrency=1,
    )


def test_the_worker_secrets_are_its_token_and_the_redis_password_as_written_and_decoded(
    settings: WorkerSettings,
) -> None:
    assert settings.secrets() == sorted([TOKEN, "p%40ss%2F9", PASSWORD])
    assert replace(settings, worker_token=None, redis_url="redis://127.0.0.1/0").secrets() == []


def test_the_base_environment_names_what_a_secret_kept_out_and_never_the_secret(
    settings: WorkerSettings, caplog: pytest.LogCaptureFixture
) -> None:
    kept = task_base_environment(replace(settings, task_environment_drop="DB_*"), WORKER)

    assert "DB_PASSWORD" not in kept and "UPSTREAM" not in kept and "BROKER" not in kept
    assert "task processes do not get BROKER, UPSTREAM: the value holds a secret of the worker" in caplog.text
    assert TOKEN not in caplog.text and PASSWORD not in caplog.text and "p%40ss" not in caplog.text


def test_the_confinement_travels_to_the_fork_server_as_json() -> None:
    confinement = TaskConfinement((65534, 65534), 7, ("/root/aiflow",), ("/usr/lib/python3",))

    assert TaskConfinement.from_json(confinement.to_json()) == confinement
    assert TaskConfinement.from_json(replace(confinement, identity=None).to_json()).identity is None


def test_tasks_may_not_see_the_homes_the_work_and_log_folders_nor_the_server_data(tmp_path: Path) -> None:
    config = ServerConfig(log_dir="/srv/logs", worker_work_dir="/srv/work", blob_store_uri="file:///srv/blob",
                          metadata_backend_uri="sqlite:////srv/db/aiflow.db",
                          state_backend_uri="postgresql://u:p@db/state")

    protected = WorkerSettings.from_config(config, notification_dir=tmp_path / "ns").protected_paths

    assert set(protected) == {
        aiflow_home(), tmp_path / "ns", Path("/srv/logs"), Path("/srv/work"), Path("/srv/blob"),
        Path("/srv/db/aiflow.db"), Path("/srv/db/aiflow.db-wal"), Path("/srv/db/aiflow.db-shm"),
        Path("/srv/db/aiflow.db-journal"),
    }
    assert server_data(ServerConfig(metadata_backend_uri="sqlite://", state_backend_uri="mysql://h/s",
                                    blob_store_uri="s3://bucket")) == []


def test_a_local_blob_manager_section_protects_its_folder() -> None:
    config = ServerConfig(blob_manager={
        "blob_manager_class": "ai_flow_plugins.blob_manager_plugins.local_blob_manager.LocalBlobManager",
        "blob_manager_config": {"root_directory": "/srv/packages"}})

    assert Path("/srv/packages") in server_data(config)


def test_the_credentials_of_the_package_store_a_worker_reads_are_its_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret-7")
    config = ServerConfig(blob_store_uri="s3://bucket/aiflow",
                          blob_store_options={"key": "id-1", "client_kwargs": {"aws_session_token": "tok-2"},
                                              "endpoint_url": "http://s3.internal"})

    reading = WorkerSettings.from_config(config, notification_dir=tmp_path)
    not_reading = WorkerSettings.from_config(replace(config, worker_reads_blob_store=False), tmp_path)

    assert {"id-1", "tok-2", "env-secret-7"} <= set(reading.secrets())
    assert "http://s3.internal" not in reading.secrets()
    kept, for_secret = task_environment({"AWS_SECRET_ACCESS_KEY": "env-secret-7", "HOME": "/root"}, "",
                                        reading.secrets())
    assert kept == {"HOME": "/root"} and for_secret == ["AWS_SECRET_ACCESS_KEY"]
    assert not_reading.package_store is None and "id-1" not in not_reading.secrets()
