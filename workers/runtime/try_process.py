"""The child process of one try, seen from the worker: launch, output, messages, exit, signals.

The child is forked by the worker process's fork server
(:mod:`workers.runtime.forkserver`) and leads its own process group.
Operators start their work in further process groups of their own (see
:mod:`aiflow.operators.process`), so :meth:`TryProcess.kill` also finds the
child's descendants through ``/proc`` and kills their groups: a try that
ignored its stop leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from aiflow.operators.process import pump_lines, signal_group
from workers.runtime.forkserver import ForkedChild, ForkRequest, ForkServer
from workers.runtime.messages import Outcome, Started, parse_line

logger = logging.getLogger(__name__)

_PUMP_JOIN_TIMEOUT = 5.0
"""Seconds to wait for the end of the output after the child exited (descendants may hold the pipe)."""


class TryProcess:
    """A running child of :mod:`workers.runtime.child` and the threads that read what it writes."""

    def __init__(self, child: ForkedChild, output: IO[bytes], messages: IO[bytes],
                 on_line: Callable[[str], None]) -> None:
        self.pid = child.pid
        self.started: Started | None = None
        self.outcome: Outcome | None = None
        self.exited = threading.Event()
        self._child = child
        self._exit_code: int | None = None
        self._threads = [
            _thread(f"output-{self.pid}", pump_lines, output, on_line),
            _thread(f"messages-{self.pid}", pump_lines, messages, self._on_message),
        ]
        self._reaper = _thread(f"reaper-{self.pid}", self._reap)

    @classmethod
    def launch(
        cls, server: ForkServer, workflow_file: Path, folder: Path, env: Mapping[str, str],
        on_line: Callable[[str], None],
    ) -> TryProcess:
        """Have ``server`` fork the child in ``folder`` with ``env`` added to the environment.

        Raises:
            OSError: the child could not be started.
        """
        output_read, output_write = os.pipe()
        messages_read, messages_write = os.pipe()
        try:
            child = server.fork(ForkRequest(workflow_file, folder, env), output_write, messages_write)
        except BaseException:
            os.close(output_read)
            os.close(messages_read)
            raise
        finally:
            os.close(output_write)
            os.close(messages_write)
        return cls(child, os.fdopen(output_read, "rb"), os.fdopen(messages_read, "rb"), on_line)

    def terminate(self) -> None:
        """Send SIGTERM to the child's process group; the child then stops its operator."""
        signal_group(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL the child's process group (even once the child is gone) and the groups of all its descendants."""
        signal_group(self.pid, signal.SIGKILL)
        for pid in descendants(self.pid):
            try:
                signal_group(os.getpgid(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass  # already gone

    def finish(self) -> int | None:
        """Wait for the exit and the end of what it wrote; return its exit code (negative: signal).

        None means the exit was not seen: the fork server ended first, and the child was killed.
        """
        self._reaper.join()
        for thread in self._threads:
            thread.join(_PUMP_JOIN_TIMEOUT)
        return self._exit_code

    def _reap(self) -> None:
        self._exit_code = self._child.wait()
        if self._exit_code is None:
            self.kill()
        self.exited.set()

    def _on_message(self, line: str) -> None:
        try:
            message = parse_line(line)
        except (ValueError, KeyError):
            logger.warning("Try process %s: ignored a malformed message %r", self.pid, line)
            return
        if isinstance(message, Started):
            self.started = message
        else:
            self.outcome = message


def descendants(pid: int) -> list[int]:
    """Return the ids of every process below ``pid`` (read from ``/proc``; empty where there is none)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # exited meanwhile
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


def _thread(name: str, target: Callable[..., None], *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread
