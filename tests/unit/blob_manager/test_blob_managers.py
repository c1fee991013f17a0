"""The spec's blob manager class paths, their settings as store locations, and the server's package store."""

from __future__ import annotations

import importlib
import json
import textwrap
from pathlib import Path

import pytest

from aiflow.blob_manager.package_store import package_store_location
from aiflow.blob_store import StoreLocation
from aiflow.config import ServerConfig
from aiflow.errors import ConfigError
from aiflow.notification.task_runtime import TASK_RUNTIME_ENV, TaskRuntime
from aiflow.plugin_interface.blob_manager_interface import BlobConfig, BlobManager, BlobManagerFactory

MANAGERS = {"local_blob_manager": "LocalBlobManager", "oss_blob_manager": "OssBlobManager",
            "hdfs_blob_manager": "HDFSBlobManager", "s3_blob_manager": "S3BlobManager"}


@pytest.mark.parametrize("module, name", MANAGERS.items())
def test_both_documented_class_paths_name_the_same_built_in_class(module: str, name: str) -> None:
    old = getattr(importlib.import_module(f"ai_flow.blob_manager.impl.{module}"), name)
    plugin = getattr(importlib.import_module(f"ai_flow_plugins.blob_manager_plugins.{module}"), name)

    assert old is plugin and issubclass(old, BlobManager)
    interface = importlib.import_module("ai_flow.plugin_interface.blob_manager_interface")
    assert interface.BlobManager is BlobManager


@pytest.mark.parametrize("name, config, uri, options", [
    ("LocalBlobManager", {"root_directory": "/tmp/blobs"}, "/tmp/blobs", {}),
    ("OssBlobManager", {"access_key_id": "id", "access_key_secret": "sk", "endpoint": "oss-cn-hangzhou.aliyuncs.com",
                        "bucket": "ai-flow", "root_directory": "tmp"},
     "oss://ai-flow/tmp", {"key": "id", "secret": "sk", "endpoint": "https://oss-cn-hangzhou.aliyuncs.com"}),
    ("HDFSBlobManager", {"hdfs_url": "http://hadoop-dfs:50070", "hdfs_user": "hdfs", "root_directory": "/tmp"},
     "webhdfs://hadoop-dfs:50070/tmp", {"user": "hdfs"}),
    ("S3BlobManager", {"bucket": "team", "root_directory": "/shared/", "endpoint_url": "http://minio:9000",
                       "region": "eu-west-1", "access_key_id": "id", "secret_access_key": "sk"},
     "s3://team/shared", {"key": "id", "secret": "sk", "endpoint_url": "http://minio:9000",
                          "client_kwargs": {"region_name": "eu-west-1"}}),
])
def test_documented_settings_map_onto_a_store_location(name: str, config: dict[str, str], uri: str,
                                                       options: dict[str, object]) -> None:
    module = next(m for m, n in MANAGERS.items() if n == name)
    manager = getattr(importlib.import_module(f"ai_flow_plugins.blob_manager_plugins.{module}"), name)

    assert manager.location(config) == StoreLocation(uri, options)


def test_a_missing_setting_is_named() -> None:
    with pytest.raises(ConfigError, match="HDFSBlobManager: blob_manager_config needs 'hdfs_url'"):
        BlobManagerFactory.create_blob_manager(
            "ai_flow_plugins.blob_manager_plugins.hdfs_blob_manager.HDFSBlobManager", {"root_directory": "/x"})


def test_a_users_own_blob_manager_is_loaded_by_class_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_blobs.py").write_text(textwrap.dedent('''
        from ai_flow.plugin_interface.blob_manager_interface import BlobManager

        class MemoryBlobManager(BlobManager):
            def upload(self, local_file_path):
                return "mem://" + local_file_path

            def download(self, remote_file_path, local_dir=None):
                return self.config["prefix"] + remote_file_path
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    blob = BlobConfig({"blob_manager_class": "my_blobs.MemoryBlobManager", "blob_manager_config": {"prefix": "/d/"}})

    manager = BlobManagerFactory.create_blob_manager(blob.blob_manager_class(), blob.blob_manager_config())

    assert manager.upload("/tmp/f") == "mem:///tmp/f" and manager.download("f") == "/d/f"


@pytest.mark.parametrize("class_name, message", [
    ("no_such_module.Manager", "cannot be imported"),
    ("pathlib.Path", "is not a subclass of"),
    ("NoDots", "is not a class path"),
])
def test_a_class_path_that_names_no_blob_manager_is_a_config_error(class_name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BlobManagerFactory.create_blob_manager(class_name, {})


def test_a_blob_config_without_a_class_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no blob manager configured"):
        BlobConfig(None)


def test_the_servers_blob_manager_section_wins_over_blob_store_uri() -> None:
    section = {"blob_manager_class": "ai_flow.blob_manager.impl.s3_blob_manager.S3BlobManager",
               "blob_manager_config": {"bucket": "team", "root_directory": "aiflow"}}

    assert package_store_location(ServerConfig(blob_store_uri="/srv/blob")) == StoreLocation("/srv/blob")
    assert package_store_location(ServerConfig(blob_store_uri="/srv/blob", blob_store_options={"a": 1},
                                               blob_manager=section)).uri == "s3://team/aiflow"


def test_the_server_refuses_a_blob_manager_that_is_not_built_in(tmp_path: Path) -> None:
    for name in ("my_blobs.MemoryBlobManager", "ai_flow.plugin_interface.blob_manager_interface.BlobManager"):
        with pytest.raises(ConfigError, match="not a built-in blob manager"):
            package_store_location(ServerConfig(blob_manager={"blob_manager_class": name}))


def test_a_task_reads_the_project_config_at_the_top_of_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ai_flow.context.project_context import current_project_config
    from ai_flow.workflow.workflow import WorkflowPropertyKeys

    (tmp_path / "project.yaml").write_text("blob:\n  blob_manager_class: a.B\n  blob_manager_config: {x: 1}\n")
    runtime = TaskRuntime("http://api", "tok", "default", "wf", 1, "t", 2, 1, run_folder=str(tmp_path))
    monkeypatch.setenv(TASK_RUNTIME_ENV, runtime.to_json())

    blob = BlobConfig(current_project_config().get(WorkflowPropertyKeys.BLOB))

    assert (blob.blob_manager_class(), blob.blob_manager_config()) == ("a.B", {"x": 1})
    monkeypatch.setenv(TASK_RUNTIME_ENV, json.dumps({**json.loads(runtime.to_json()), "run_folder": "/nowhere"}))
    assert current_project_config() == {}


def test_outside_a_task_the_project_config_is_the_clients_blob_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    from ai_flow.context.project_context import current_project_config

    monkeypatch.delenv(TASK_RUNTIME_ENV, raising=False)
    monkeypatch.setenv("AIFLOW_BLOB_MANAGER", "{blob_manager_class: x.Y, blob_manager_config: {root_directory: /r}}")

    assert current_project_config() == {"blob": {"blob_manager_class": "x.Y",
                                                 "blob_manager_config": {"root_directory": "/r"}}}
