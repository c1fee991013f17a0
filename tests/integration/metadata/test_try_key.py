"""The key of try tokens on every backend: none until first needed, then one, whoever makes it first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from aiflow.metadata import TryTokenKey, session_scope
from aiflow.metadata.try_key import try_token_key
from tests.support import wait_until

RACERS = 6
RACER = """
import sys, time
from pathlib import Path
from aiflow.metadata import create_engine
from aiflow.metadata.try_key import try_token_key

go = Path(sys.argv[2])
Path(sys.argv[3]).touch()
while not go.exists():
    time.sleep(0.001)
print(try_token_key(create_engine(sys.argv[1])).hex())
"""


def key_rows(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(TryTokenKey)) or 0)


def test_the_key_is_made_on_first_need_and_kept(migrated_engine: Engine) -> None:
    assert key_rows(migrated_engine) == 0  # no migration writes a key

    key = try_token_key(migrated_engine)

    assert len(key) == 32
    assert try_token_key(migrated_engine) == key
    assert key_rows(migrated_engine) == 1


def test_processes_making_it_at_once_all_get_the_same_key(migrated_engine: Engine, tmp_path: Path) -> None:
    url = migrated_engine.url.render_as_string(hide_password=False)
    go = tmp_path / "go"
    racers = [subprocess.Popen([sys.executable, "-c", RACER, url, str(go), str(tmp_path / f"ready-{i}")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(RACERS)]
    wait_until(lambda: len(list(tmp_path.glob("ready-*"))) == RACERS, timeout=30, message="every racer to be ready")
    go.touch()
    outputs = [racer.communicate(timeout=60) for racer in racers]

    assert [racer.returncode for racer in racers] == [0] * RACERS, [err for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {try_token_key(migrated_engine).hex()}
    assert key_rows(migrated_engine) == 1

