"""Starts a ``setsid``, double-forked ``sleep 1000`` tagged with a marker in its environment, then ends or spins.

Arguments: the marker, then ``exit`` (leave at once), ``spin`` (loop forever) or ``stdin`` (wait for stdin to close).
"""

import subprocess
import sys

marker, then = sys.argv[1], sys.argv[2]
started = subprocess.run(
    ["setsid", "sh", "-c", f"AIFLOW_TEST_MARKER={marker} sleep 1000 >/dev/null 2>&1 & echo $!"],
    capture_output=True, text=True, check=True,
)
print(started.stdout.strip(), flush=True)
if then == "spin":
    while True:
        pass
if then == "stdin":
    sys.stdin.read()
