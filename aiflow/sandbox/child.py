"""A sandboxed child process with pipes: :class:`SandboxedChild`."""

from __future__ import annotations

import logging
import os
import selectors
import shutil
import signal
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO, cast

from aiflow.sandbox.launch import new_workdir, start_reaper
from aiflow.sandbox.policy import SandboxPolicy

logger = logging.getLogger(__name__)

DEFAULT_STDERR_TAIL = 64 * 1024
"""Bytes of the child's stderr kept by default (the last ones)."""
_STOP_GRACE_S = 5.0
"""Seconds the reaper gets to kill and reap the child's tree before it is killed itself."""
_DRAIN_S = 2.0
"""Seconds the stderr reader may go on after the reaper has exited."""


class SandboxedChild:
    """``python -m <module> <args>`` running in a sandbox, behind a reaper that outlives none of its tree.

    Write to :attr:`stdin` (flush it), read :attr:`stdout`; a thread keeps the
    last bytes of stderr (:meth:`stderr_tail`). :meth:`stop` (or leaving the
    ``with`` block) kills everything the child started and frees every resource.
    """

    def __init__(self, process: subprocess.Popen[bytes], workdir: Path, owns_workdir: bool, tail_bytes: int) -> None:
        self._process = process
        self._workdir = workdir
        self._owns_workdir = owns_workdir
        self._tail = _TailReader(cast(BinaryIO, process.stderr), tail_bytes, name=f"sandbox-stderr-{process.pid}")
        self._tail.start()
        self._stopped = False

    @classmethod
    def start(
        cls, module: str, args: Sequence[str], policy: SandboxPolicy, workdir: Path | None = None,
        *, stderr_tail_bytes: int = DEFAULT_STDERR_TAIL,
    ) -> SandboxedChild:
        """Start ``module`` with ``args`` under ``policy``.

        The child's working folder (also its ``HOME`` and ``TMPDIR``, and
        writable) is ``workdir``, which then belongs to the sandbox's user, or
        else a fresh folder removed by :meth:`stop`. The sandbox's reaper
        stops the child when the thread calling this ends (Linux ties the
        parent-death signal to the thread): start a long-lived child from a
        thread that outlives it.
        """
        folder = new_workdir() if workdir is None else Path(workdir).resolve()
        try:
            process = start_reaper(module, args, policy, folder)
        except BaseException:
            if workdir is None:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        logger.debug("Sandbox: started %s as reaper pid=%s in %s", module, process.pid, folder)
        return cls(process, folder, workdir is None, stderr_tail_bytes)

    @property
    def stdin(self) -> BinaryIO:
        """The pipe to the child's stdin."""
        return cast(BinaryIO, self._process.stdin)

    @property
    def stdout(self) -> BinaryIO:
        """The pipe from the child's stdout."""
        return cast(BinaryIO, self._process.stdout)

    @property
    def pid(self) -> int:
        """The reaper's process id."""
        return self._process.pid

    @property
    def workdir(self) -> Path:
        """The child's working folder."""
        return self._workdir

    @property
    def returncode(self) -> int | None:
        """The child's exit code (128 + N when signal N ended it), or ``None`` while it runs."""
        code = self._process.poll()
        return None if code is None else code if code >= 0 else 128 - code

    def stderr_tail(self) -> str:
        """Return the last bytes the child wrote to stderr, decoded."""
        return self._tail.text()

    def alive(self) -> bool:
        """Return whether the child (its reaper) still runs."""
        return self._process.poll() is None

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait up to ``timeout`` seconds for the child to exit; return its code, or ``None`` if it still runs."""
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.returncode

    def stop(self) -> None:
        """Kill the child and everything it started, reap them and close every pipe; safe to call again."""
        if self._stopped:
            return
        self._stopped = True
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                logger.warning("Sandbox: reaper pid=%s did not stop; killing it", self._process.pid)
                self._process.kill()
                self._process.wait()
        self._tail.finish(_DRAIN_S)
        for pipe in (self._process.stdin, self._process.stdout, self._process.stderr):
            _close_quietly(pipe)
        if self._owns_workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> SandboxedChild:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def _close_quietly(pipe: IO[bytes] | None) -> None:
    if pipe is None:
        return
    try:
        pipe.close()
    except OSError:
        pass  # unflushed input for a child that is gone


class _TailReader(threading.Thread):
    """Reads a pipe until its end, keeping only the last ``limit`` bytes."""

    def __init__(self, pipe: BinaryIO, limit: int, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._fd = pipe.fileno()
        self._limit = limit
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._give_up = threading.Event()

    def run(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._fd, selectors.EVENT_READ)
            while not self._give_up.is_set():
                if selector.select(timeout=0.2) and not self._read_chunk():
                    return

    def _read_chunk(self) -> bool:
        chunk = os.read(self._fd, 65536)
        with self._lock:
            self._buffer += chunk
            del self._buffer[: max(0, len(self._buffer) - self._limit)]
        return bool(chunk)

    def text(self) -> str:
        """Return what is kept, decoded (a character cut by the limit becomes U+FFFD)."""
        with self._lock:
            return self._buffer.decode("utf-8", errors="replace")

    def finish(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the end of the pipe, then stop reading."""
        self.join(timeout)
        self._give_up.set()
        self.join()
