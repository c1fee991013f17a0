"""``aiflow_server.yaml``: settings of the API server, the scheduler and the workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiflow.config.loader import option


@dataclass(frozen=True)
class ServerConfig:
    """The keys of ``aiflow_server.yaml``; ``AIFLOW_<KEY>`` environment variables override them."""

    log_dir: str = option("{AIFLOW_HOME}/logs", "Base folder of the scheduler's and task executions' logs.")
    rpc_port: int = option(50051, "Kept for compatibility with upstream configuration files; unused.")
    internal_rpc_port: int = option(50000, "Kept for compatibility with upstream configuration files; unused.")
    rest_port: int = option(8000, "Port of the REST API server.")
    rest_bind_address: str = option("127.0.0.1", "Address the REST API server binds to.")
    metadata_backend_uri: str = option(
        "sqlite:///{AIFLOW_HOME}/aiflow.db", "SQLAlchemy URL of the metadata database."
    )
    state_backend_uri: str = option(
        "sqlite:///{AIFLOW_HOME}/aiflow.db", "SQLAlchemy URL where durable rule state is kept."
    )
    sql_alchemy_pool_enabled: bool = option(True, "Whether database connections are pooled.")
    sql_alchemy_pool_size: int = option(5, "Connections kept in the pool; 0 means no limit.")
    sql_alchemy_max_overflow: int = option(10, "Connections allowed beyond the pool size.")
    history_retention: timedelta = option(timedelta(days=30), "How long metadata and logs are kept.")
    notification_server_uri: str = option(
        "redis://127.0.0.1:50052/0",
        "Redis URL of the event bus (host:port is accepted too). Without a password in the URL, "
        "the embedded server's password file in NOTIFICATION_HOME is used when present.",
    )
    task_executor: str = option("Local", "Task executor; Celery workers run every task.")
    task_executor_heartbeat_check_interval: int = option(
        10, "Seconds between the scheduler's checks of task heartbeats."
    )
    task_heartbeat_timeout: int = option(60, "Seconds without a heartbeat after which a task is failed.")
    task_heartbeat_interval: int = option(10, "Seconds between heartbeats of a running task.")
    local_executor_parallelism: int = option(10, "Task slots of a worker: the tries it runs at once.")
    condition_evaluation_timeout: float = option(
        5.0, "Seconds a custom condition may take to evaluate one event; one that takes longer fails its execution."
    )
    metrics_bind_address: str = option(
        "127.0.0.1", "Address the scheduler's and the workers' Prometheus metrics endpoints bind to."
    )
    scheduler_metrics_port: int = option(
        8790, "Port of the scheduler's Prometheus metrics endpoint (aiflow scheduler --metrics-port); 0: none."
    )
    worker_metrics_port: int = option(
        8791, "Port of a worker's Prometheus metrics endpoint (aiflow worker --metrics-port); 0: none."
    )
    scheduler_lease_period: float = option(
        10.0, "Seconds a scheduler's leadership lasts without renewal; a standby takes over within two."
    )
    api_tokens: dict[str, Any] = field(
        default_factory=dict,
        metadata={
            "description": "Bearer tokens of the REST API by name, each {token_sha256, role: "
            "admin|editor|viewer|worker, namespaces: [...]} (no namespaces: all; []: none); more can be added "
            "with 'aiflow token add'. None configured or added leaves a loopback-bound server open."
        },
    )
    max_upload_bytes: int = option(
        256 * 1024 * 1024, "Largest workflow package accepted, in bytes (packed and unpacked)."
    )
    blob_store_uri: str = option(
        "{AIFLOW_HOME}/blob", "Where workflow packages are stored: a folder (or file:// URL), s3://bucket/prefix, "
        "gs://bucket/prefix, oss://bucket/prefix or webhdfs://host:port/path."
    )
    blob_store_options: dict[str, Any] = field(
        default_factory=dict,
        metadata={
            "description": "Options of blob_store_uri's filesystem (e.g. key, secret, endpoint_url for s3://); "
            "without credentials each store reads its usual environment variables. Never logged."
        },
    )
    blob_manager: dict[str, Any] | None = option(
        None, "The spec's blob manager section ({blob_manager_class, blob_manager_config}) naming a built-in "
        "blob manager; when given it is the package store, instead of blob_store_uri and blob_store_options."
    )
    worker_reads_blob_store: bool = option(
        True, "Whether workers read a snapshot's package straight from the package store configured here when the "
        "snapshot lies in it (checking its hash), falling back to the API server when they cannot."
    )
    workflow_load_timeout: float = option(
        30.0, "Seconds a workflow file may take to load: when uploaded, and on a worker for an execution's tries "
        "(which fail if it takes longer)."
    )
    max_concurrent_loads: int = option(
        2, "Workflow files loaded at once by the API servers of one host; an upload finding none free gets 503."
    )
    sandbox_user: str | None = option(
        "nobody",
        "User the workflow loader and condition evaluators run as when the server runs as root (only if it can "
        "run the Python interpreter); empty keeps the server's user, without capabilities.",
    )
    sandbox_memory_limit: int = option(
        2 * 1024**3, "Bytes of address space each sandboxed process (loader, condition evaluator) may use; 0: no limit."
    )
    sandbox_environment: str = option(
        "FLINK_HOME SPARK_HOME JAVA_HOME HADOOP_HOME HADOOP_CONF_DIR",
        "Names of the server's environment variables passed to sandboxed processes (no AIFLOW_* or NOTIFICATION_*).",
    )
    api_server_address: str = option(
        "http://127.0.0.1:8000", "Base URL of the REST API server, from which workers fetch workflow packages."
    )
    worker_token: str | None = option(
        None, "Bearer token workers send to the REST API to fetch workflow packages: a token with role worker "
        "(it can fetch snapshots and nothing else), never an admin token."
    )
    worker_work_dir: str = option(
        "{AIFLOW_HOME}/worker", "Folder of a worker's package cache and the working folders of its tasks."
    )
    task_user: str | None = option(
        "nobody",
        "User task processes run as when the worker runs as root (only if it can run the Python interpreter and "
        "reach worker_work_dir); empty keeps the worker's user, without capabilities.",
    )
    task_environment_drop: str = option(
        "",
        "Names or shell patterns (separated by spaces or commas, e.g. DATABASE_URL *_PASSWORD) of the worker's "
        "environment variables task processes do not get, besides those they never get: AIFLOW_*, NOTIFICATION_*, "
        "CELERY_*, REDIS* and any whose value holds the worker token or the Redis password.",
    )
    worker_run_retention: timedelta = option(
        timedelta(days=1),
        "How long a workflow execution's working folder on a worker outlives its last task (none running).",
    )
    k8s_executor_config: dict[str, Any] | None = option(
        None, "Kept for compatibility with upstream configuration files; unused."
    )
