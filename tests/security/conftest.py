"""A stack of real processes with tokens, for attacks by editors of one namespace.

The server's configuration file holds the tokens (as digests) and the worker's token, as a
deployment's would; namespace ``a`` is the attackers' own, ``b`` another team's, and the canary
keeps running in a third. Every secret the stack holds is in :data:`SECRETS`, so a test can
assert that none reached an answer or a log.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from aiflow.metadata import create_engine, migrate
from tests.conftest import start_private_redis
from tests.faults.stack import Api, Stack
from tests.faults.world import Canary
from web.auth import hash_token

ADMIN_SECRET = "admin-" + secrets.token_hex(16)
WORKER_SECRET = "worker-" + secrets.token_hex(16)
EDITOR_SECRETS = {namespace: f"editor-{namespace}-" + secrets.token_hex(16) for namespace in ("a", "b")}
SECRETS = (ADMIN_SECRET, WORKER_SECRET, *EDITOR_SECRETS.values())


@dataclass
class Secured:
    """The running stack, a client per editor token, and the folder where attacks try to leave traces."""

    stack: Stack
    editors: dict[str, Api]
    canary: Canary
    traces: Path

    @property
    def admin(self) -> Api:
        return self.stack.api

    def logs(self) -> str:
        """Everything every process of the stack has logged so far."""
        return "\n".join(path.read_text(errors="replace") for path in (self.stack.folder / "logs").rglob("*")
                         if path.is_file())

    def assert_unharmed(self) -> None:
        """Every process still runs, the canary sings, and no secret is in any log."""
        assert self.stack.dead() == []
        self.canary.sings()
        logs = self.logs()
        assert not [secret for secret in SECRETS if secret in logs]


def server_config(home: Path) -> None:
    """Write the tokens into ``aiflow_server.yaml``, readable by the server's user only."""
    tokens = {"admin": {"token_sha256": hash_token(ADMIN_SECRET), "role": "admin"},
              "workers": {"token_sha256": hash_token(WORKER_SECRET), "role": "worker"}}
    for namespace, secret in EDITOR_SECRETS.items():
        tokens[f"editor-{namespace}"] = {"token_sha256": hash_token(secret), "role": "editor",
                                         "namespaces": [namespace]}
    home.mkdir(parents=True, exist_ok=True)
    config = home / "aiflow_server.yaml"
    config.write_text(yaml.safe_dump({"api_tokens": tokens, "worker_token": WORKER_SECRET}))
    config.chmod(0o600)


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    """The module's stack on a private Redis and a SQLite file, with namespaces a and b and the canary."""
    folder = tmp_path_factory.mktemp("secured-stack")
    traces = folder / "traces"
    traces.mkdir()
    redis = start_private_redis(folder / "redis")
    database_url = f"sqlite:///{folder / 'aiflow.db'}"
    engine = create_engine(database_url)
    migrate.init(engine)
    engine.dispose()
    server_config(folder / "home")
    stack = Stack(folder, redis.url, database_url, token=ADMIN_SECRET)
    editors = {namespace: Api(stack.address, secret) for namespace, secret in EDITOR_SECRETS.items()}
    try:
        stack.start()
        for namespace in EDITOR_SECRETS:
            stack.api.ok("POST", "/namespaces", json={"name": namespace})
        yield Secured(stack, editors, Canary(stack.api), traces)
    finally:
        for api in editors.values():
            api.close()
        stack.close()
        redis.stop()
