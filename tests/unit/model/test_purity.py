"""aiflow.model must stay free of I/O libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aiflow

FORBIDDEN = ("redis", "sqlalchemy", "celery", "flask")

_PROBE = """
import importlib, json, pkgutil, sys
import aiflow.model
for info in pkgutil.walk_packages(aiflow.model.__path__, "aiflow.model."):
    importlib.import_module(info.name)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_model_imports_no_service_client_library():
    # A fresh interpreter, because this test process may have imported them for other tests.
    output = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=Path(aiflow.__file__).parents[1],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded = set(json.loads(output))
    assert "aiflow" in loaded
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & set(FORBIDDEN))
