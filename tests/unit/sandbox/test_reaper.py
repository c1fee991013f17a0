"""The reaper finds descendants through /proc, however they were started."""

from __future__ import annotations

import os
import subprocess

from aiflow.sandbox.reaper import descendants


def test_descendants_include_children_of_children() -> None:
    shell = subprocess.Popen(["sh", "-c", "sleep 30 & echo $!; wait"], stdout=subprocess.PIPE)
    try:
        assert shell.stdout is not None
        grandchild = int(shell.stdout.readline())

        found = descendants(os.getpid())

        assert shell.pid in found and grandchild in found
        assert os.getpid() not in found
    finally:
        os.kill(grandchild, 9)
        shell.wait()
        shell.stdout.close()
