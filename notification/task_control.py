"""Who runs a try, and how a stop reaches it: the claim, the first heartbeat, the stop key and channel.

Workers and the scheduler both use these primitives (docs/contracts.md §2), so they live here
rather than in either. Every try has one claim key, taken by the first of:

* a worker's start job, which runs the try (value ``run <host>:<pid> <token>``); the claim and the
  try's first heartbeat are set in one script, so a claimed try always has a heartbeat until its
  worker stops beating;
* a stop of a try that no worker has taken (value ``stopped``): the try never starts, and the stopper
  reports STOPPED itself.

Whoever holds the claim reports the try's final status, so each status is reported once however
often a job is delivered. A stop of a claimed try sets the stop key and publishes on the stop channel
(same name): the worker running it hears the message at once, and the key covers a stop that comes
while the worker is not listening (before it subscribed, or cut off from Redis).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import redis

from notification.keys import TaskKeys
from notification.scripts import load_script, run_pipelined

CLAIM_TTL = timedelta(days=31)
"""How long a claim (and a stop key) outlives the last heartbeat of its try.

Longer than the broker's visibility timeout (30 days, ``workers.control.VISIBILITY_TIMEOUT``), so a
job delivered again always finds the claim."""

STOPPED_CLAIM = "stopped"
RUN_CLAIM_PREFIX = "run "


def run_claim(identity: str) -> str:
    """Return a new claim value for a worker ``identity`` (``<host>:<pid>``) about to run a try.

    The random token tells apart two deliveries of one try to the same process, so a retried claim
    succeeds only for the delivery that made it.
    """
    return f"{RUN_CLAIM_PREFIX}{identity} {uuid.uuid4().hex[:12]}"


class TaskControl:
    """Claims and stops tries through ``client`` (the event bus's Redis)."""

    def __init__(self, client: redis.Redis, keys: TaskKeys | None = None) -> None:
        self._client = client
        self._keys = keys or TaskKeys()
        self._claim = load_script(client, "claim_try")
        self._stop = load_script(client, "stop_try")

    def claim_to_run(self, task_execution_id: int, try_number: int, holder: str, heartbeat: str,
                     heartbeat_ttl: float) -> bool:
        """Take the try's claim as ``holder`` and set its heartbeat (value ``heartbeat``, ``heartbeat_ttl`` s).

        Returns False when someone else (another delivery, a stop) has the claim. Safe to retry.
        """
        keys = [self._keys.claim(task_execution_id, try_number), self._keys.heartbeat(task_execution_id, try_number)]
        args: list[str | int] = [holder, _seconds(CLAIM_TTL), heartbeat, max(1, round(heartbeat_ttl * 1000))]
        return bool(self._claim(keys=keys, args=args))

    def stop(self, tries: Sequence[tuple[int, int]]) -> list[bool]:
        """Stop each ``(task_execution_id, try_number)`` wherever it runs, in one round trip.

        True for a try that no worker had claimed (or that a stop had claimed before): it never
        runs, and the caller reports it STOPPED. False: its worker was asked to stop it, and reports
        the outcome itself.
        """
        calls = [([self._keys.claim(task_execution_id, try_number), self._keys.stop(task_execution_id, try_number)],
                  [_seconds(CLAIM_TTL)]) for task_execution_id, try_number in tries]
        return [bool(reply) for reply in run_pipelined(self._client, self._stop, calls)]

    def stop_requested(self, task_execution_id: int, try_number: int) -> bool:
        """Return whether a stop of the try has been requested."""
        return bool(self._client.exists(self._keys.stop(task_execution_id, try_number)))


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())
