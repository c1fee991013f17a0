"""One sandboxed run with a time limit and capped output: :func:`run_sandboxed`."""

from __future__ import annotations

import os
import selectors
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiflow.sandbox.child import SandboxedChild
from aiflow.sandbox.policy import SandboxPolicy

_CHUNK = 65536


@dataclass(frozen=True)
class SandboxResult:
    """How a sandboxed run ended and what it wrote.

    ``exit_code`` is the child's (128 + N when signal N ended it, including
    the SIGKILL of a run stopped for its time limit or its output); ``stderr``
    is only the tail of what it wrote.
    """

    exit_code: int
    stdout: bytes
    stderr: str
    timed_out: bool
    stdout_truncated: bool

    def describe_exit(self) -> str:
        """Return ``exit code N`` or ``signal NAME`` for messages."""
        if self.exit_code > 128:
            try:
                return f"signal {signal.Signals(self.exit_code - 128).name}"
            except ValueError:
                pass
        return f"exit code {self.exit_code}"


def run_sandboxed(
    module: str, args: Sequence[str], policy: SandboxPolicy, timeout: float, max_stdout: int, max_stderr: int,
    workdir: Path | None = None, stdin_data: bytes | None = None,
) -> SandboxResult:
    """Run ``module`` in a sandbox (see :meth:`SandboxedChild.start`) and return how it ended.

    The child gets ``stdin_data`` on stdin (or an empty stdin). After
    ``timeout`` seconds, or once it wrote more than ``max_stdout`` bytes to
    stdout, the child and everything it started are killed; only the first
    ``max_stdout`` bytes of stdout and the last ``max_stderr`` bytes of
    stderr are kept.
    """
    deadline = time.monotonic() + timeout
    with SandboxedChild.start(module, args, policy, workdir, stderr_tail_bytes=max_stderr) as child:
        stdout, truncated, timed_out = _exchange(child, stdin_data or b"", deadline, max_stdout)
        if not (truncated or timed_out) and child.wait(max(0.0, deadline - time.monotonic())) is None:
            timed_out = True
        child.stop()
        exit_code = child.returncode
        assert exit_code is not None  # stop() reaped the reaper
        return SandboxResult(exit_code, stdout, child.stderr_tail(), timed_out, truncated)


def _exchange(child: SandboxedChild, data: bytes, deadline: float, max_stdout: int) -> tuple[bytes, bool, bool]:
    """Feed ``data`` to stdin and read stdout until its end: (stdout, truncated, timed out)."""
    out_fd, in_fd = child.stdout.fileno(), child.stdin.fileno()
    received = bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(out_fd, selectors.EVENT_READ)
        if data:
            os.set_blocking(in_fd, False)
            selector.register(in_fd, selectors.EVENT_WRITE)
        else:
            child.stdin.close()
        sent = 0
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bytes(received), False, True
            for key, _ in selector.select(remaining):
                if key.fd == out_fd:
                    chunk = os.read(out_fd, _CHUNK)
                    if not chunk:
                        selector.unregister(out_fd)
                    received += chunk
                    if len(received) > max_stdout:
                        return bytes(received[:max_stdout]), True, False
                else:
                    sent = _feed(child, selector, data, sent)
    return bytes(received), False, False


def _feed(child: SandboxedChild, selector: selectors.BaseSelector, data: bytes, sent: int) -> int:
    """Write the next part of ``data`` to the child's stdin; close it when all is sent or the child left."""
    try:
        sent += os.write(child.stdin.fileno(), data[sent : sent + _CHUNK])
    except BrokenPipeError:
        sent = len(data)
    if sent >= len(data):
        selector.unregister(child.stdin.fileno())
        child.stdin.close()
    return sent
