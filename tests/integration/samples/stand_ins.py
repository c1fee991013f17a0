"""Stand-ins for the ``flink``, ``spark-submit`` and ``spark-sql`` commands of a distribution folder.

A stand-in appends its name and arguments, as a JSON list, to ``calls.jsonl`` at the distribution's root,
prints the lines the real command would print for a small job that succeeds, and exits 0.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SCRIPT = """#!{python}
import json, pathlib, sys
with open(pathlib.Path({root!r}) / "calls.jsonl", "a") as calls:
    calls.write(json.dumps([pathlib.Path(sys.argv[0]).name, *sys.argv[1:]]) + "\\n")
for line in {lines!r}:
    print(line, flush=True)
"""


def write_stand_in(root: Path, command: str, lines: list[str]) -> Path:
    """Write the executable ``root/bin/<command>``; return its path."""
    path = root / "bin" / command
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SCRIPT.format(python=sys.executable, root=str(root), lines=lines))
    path.chmod(0o755)
    return path


def calls(root: Path) -> list[list[str]]:
    """The ``[command, *arguments]`` of every call of the stand-ins of ``root``, in order."""
    calls_file = root / "calls.jsonl"
    return [json.loads(line) for line in calls_file.read_text().splitlines()] if calls_file.exists() else []
