"""The scheduler's side of custom conditions: one sandboxed evaluator process per namespace.

:class:`EvaluatorPool` is the scheduler's :class:`~aiflow.scheduler.engine.rules.CustomEvaluator`.
Every call has a deadline: a process that does not answer in time is killed (with everything it
started) and the call fails with that error; so does a process that dies or answers nonsense.
The next call of that namespace starts a fresh process. Nothing the process sends is trusted:
replies are read with a deadline and a size bound, and checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import select
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import IO, NoReturn, Protocol

from aiflow.evaluator.protocol import MAX_LINE_BYTES, ProtocolError, decode_bytes, encode_bytes
from aiflow.model.status import TaskStatus
from aiflow.plan import CustomCondition
from aiflow.scheduler.engine.rules import Verdict
from notification.event import Event

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_IDLE_S = 300.0
DEFAULT_MAX_PROCESSES = 16


class ChildProcess(Protocol):
    """A running evaluator process (a :class:`aiflow.sandbox.child.SandboxedChild`)."""

    @property
    def stdin(self) -> IO[bytes]: ...

    @property
    def stdout(self) -> IO[bytes]: ...

    def stderr_tail(self) -> str: ...

    def alive(self) -> bool: ...

    def stop(self) -> None: ...


class EvaluationFailed(Exception):
    """The evaluator process did not give a verdict (time-out, death, nonsense); it has been stopped."""


class Evaluator:
    """One evaluator process of one namespace, started on first use and again after it failed."""

    def __init__(self, namespace: str, spawn: Callable[[], ChildProcess], timeout: float) -> None:
        self.namespace = namespace
        self._spawn = spawn
        self._timeout = timeout
        self._child: ChildProcess | None = None
        self._buffer = b""
        self._known_codes: set[str] = set()
        self._next_id = 0
        self.last_used = time.monotonic()

    def evaluate(self, condition: CustomCondition, event: Event, statuses: Mapping[str, TaskStatus],
                 state: bytes | None) -> Verdict:
        """Return the verdict of ``condition``; a failure of any kind is a verdict with an error."""
        self.last_used = time.monotonic()
        code_id = hashlib.sha256(condition.code).hexdigest()
        request: dict[str, object] = {"code_id": code_id, "event": asdict(event), "state": encode_bytes(state),
                   "statuses": {name: status.value for name, status in statuses.items()}}
        try:
            reply = self._call(request, condition.code if code_id not in self._known_codes else None)
            if reply.get("need_code"):
                reply = self._call(request, condition.code)
            self._known_codes.add(code_id)
        except EvaluationFailed as exc:
            return Verdict(False, state, str(exc))
        if "error" in reply:
            return Verdict(False, state, str(reply["error"]))
        return self._verdict(reply, state)

    def stop(self) -> None:
        """Stop the process (the next call starts another)."""
        if self._child is not None:
            self._child.stop()
        self._child, self._buffer, self._known_codes = None, b"", set()

    def _call(self, request: dict[str, object], code: bytes | None) -> dict[str, object]:
        if self._child is not None and not self._child.alive():
            self.stop()  # it ended between calls (with the thread that started it): not the condition's fault
        if self._child is None:
            self._child = self._spawn()
        self._next_id += 1
        message = {**request, "id": self._next_id, "code": encode_bytes(code)}
        deadline = time.monotonic() + self._timeout
        try:
            _send(self._child.stdin, _line(message), deadline)
            reply = self._receive(deadline)
        except (OSError, ValueError, ProtocolError, EvaluationFailed) as exc:
            self._fail(str(exc))
        if reply.get("id") != self._next_id:
            self._fail(f"it answered request {reply.get('id')!r} to request {self._next_id}")
        return reply

    def _receive(self, deadline: float) -> dict[str, object]:
        assert self._child is not None
        fd = self._child.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise EvaluationFailed(f"the condition did not answer within {self._timeout:g} seconds")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EvaluationFailed("the evaluator process ended")
            self._buffer += chunk
            if len(self._buffer) > MAX_LINE_BYTES:
                raise ProtocolError("reply too long")
        line, _, self._buffer = self._buffer.partition(b"\n")
        reply = json.loads(line)
        if not isinstance(reply, dict):
            raise ProtocolError("a reply must be a JSON object")
        return reply

    def _verdict(self, reply: dict[str, object], state: bytes | None) -> Verdict:
        met = reply.get("met")
        try:
            new_state = decode_bytes(reply.get("state"))
        except (ProtocolError, ValueError) as exc:
            self._fail(f"bad state in reply: {exc}")
        if not isinstance(met, bool):
            self._fail(f"bad verdict {met!r:.80}")
        return Verdict(met, new_state)

    def _fail(self, reason: str) -> NoReturn:
        tail = self._child.stderr_tail().strip()[-2000:] if self._child is not None else ""
        logger.warning("Evaluator %s: %s; stopping it", self.namespace, reason)
        self.stop()
        raise EvaluationFailed(f"{reason}" + (f"; its last output:\n{tail}" if tail else ""))


class EvaluatorPool:
    """One :class:`Evaluator` per namespace, at most ``max_processes`` alive, idle ones stopped."""

    def __init__(self, spawn: Callable[[str], ChildProcess], timeout: float = DEFAULT_TIMEOUT_S,
                 idle_s: float = DEFAULT_IDLE_S, max_processes: int = DEFAULT_MAX_PROCESSES) -> None:
        self._spawn = spawn
        self._timeout = timeout
        self._idle_s = idle_s
        self._max = max_processes
        self._evaluators: OrderedDict[str, Evaluator] = OrderedDict()

    def __call__(self, namespace: str, condition: CustomCondition, event: Event,
                 statuses: Mapping[str, TaskStatus], state: bytes | None) -> Verdict:
        evaluator = self._evaluators.get(namespace)
        if evaluator is None:
            evaluator = self._evaluators[namespace] = Evaluator(namespace, lambda: self._spawn(namespace),
                                                                self._timeout)
        self._evaluators.move_to_end(namespace)
        self._retire(keep=namespace)
        return evaluator.evaluate(condition, event, statuses, state)

    def close(self) -> None:
        """Stop every evaluator process."""
        for evaluator in self._evaluators.values():
            evaluator.stop()
        self._evaluators.clear()

    def _retire(self, keep: str) -> None:
        """Stop the least recently used processes beyond the bound, and those idle too long."""
        now = time.monotonic()
        for namespace, evaluator in list(self._evaluators.items()):
            if namespace != keep and (len(self._evaluators) > self._max or now - evaluator.last_used > self._idle_s):
                evaluator.stop()
                del self._evaluators[namespace]


def _line(message: dict[str, object]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def _send(stream: IO[bytes], data: bytes, deadline: float) -> None:
    """Write ``data`` to a pipe without blocking past ``deadline`` (the child may not read)."""
    fd = stream.fileno()
    os.set_blocking(fd, False)
    view = memoryview(data)
    while view:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
            raise EvaluationFailed("the evaluator process does not read its requests")
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            continue
