"""Starting evaluator processes for the scheduler."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections import deque
from pathlib import Path
from typing import IO

import aiflow

STDERR_TAIL_LINES = 200


class EvaluatorProcess:
    """``python -m aiflow.evaluator.child`` in a folder of its own, with a clean environment."""

    def __init__(self) -> None:
        self._folder = tempfile.mkdtemp(prefix="aiflow-evaluator-")
        root = str(Path(aiflow.__file__).resolve().parents[1])
        env = {"PATH": os.defpath, "HOME": self._folder, "TMPDIR": self._folder, "PYTHONPATH": root}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "aiflow.evaluator.child"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, cwd=self._folder, env=env, start_new_session=True)
        assert self._process.stdin and self._process.stdout and self._process.stderr
        self.stdin: IO[bytes] = self._process.stdin
        self.stdout: IO[bytes] = self._process.stdout
        self._tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._reader = threading.Thread(target=self._read_stderr, args=(self._process.stderr,),
                                        name="evaluator-stderr", daemon=True)
        self._reader.start()

    def stderr_tail(self) -> str:
        return "".join(self._tail)

    def stop(self) -> None:
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._process.wait()
        self._reader.join(5)
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):  # a request the child never read is lost with it
                stream.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        with stream:
            for line in stream:
                self._tail.append(line.decode("utf-8", errors="replace"))


def start_evaluator(namespace: str) -> EvaluatorProcess:
    """Start the evaluator process of ``namespace``."""
    return EvaluatorProcess()
