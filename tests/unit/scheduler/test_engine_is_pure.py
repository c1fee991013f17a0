"""The rule engine and the plans it reads stay free of I/O: no database, Redis, Celery or web library."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("redis", "sqlalchemy", "celery", "flask", "kombu")


def test_importing_the_engine_loads_no_io_library() -> None:
    code = (
        "import sys, aiflow.scheduler.engine.engine, aiflow.scheduler.engine.index, aiflow.plan; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert loaded.strip() == "[]"
