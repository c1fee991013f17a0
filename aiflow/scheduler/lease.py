"""One active scheduler: a lease in Redis, and a fencing token every commit is checked against.

The leader holds ``<prefix>:scheduler:lease`` (``SET NX PX``) and a thread
renews it every third of the lease period, however long a batch takes; a
standby retries as often, so it takes over within two periods of the leader's
death. Each acquisition takes a new,
larger token from ``<prefix>:scheduler:fencing``; the database refuses a
commit whose token is older than the last one committed, so a leader that was
paused past its lease cannot write after another took over.
"""

from __future__ import annotations

import logging
import threading
import uuid

import redis

from aiflow.backoff import Outage
from aiflow.errors import ConflictError
from notification.keys import DEFAULT_PREFIX

logger = logging.getLogger(__name__)

_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
return token
"""
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""
_RAISE_FLOOR = """
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def raise_token_floor(client: redis.Redis, token: int, prefix: str = DEFAULT_PREFIX) -> None:
    """Make every later lease's fencing token larger than ``token`` (for a bus that lost its counter)."""
    client.eval(_RAISE_FLOOR, 1, _fencing_key(prefix), token)


def _lease_key(prefix: str) -> str:
    return f"{prefix}:scheduler:lease"


def _fencing_key(prefix: str) -> str:
    return f"{prefix}:scheduler:fencing"


class LeaseLost(ConflictError):
    """This scheduler no longer holds the lease (another one took over)."""


class SchedulerLease:
    """The leader lease of the schedulers sharing one Redis."""

    def __init__(self, client: redis.Redis, period_ms: int = 10_000, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._period_ms = period_ms
        self._key = _lease_key(prefix)
        self._fencing_key = _fencing_key(prefix)
        self._owner = uuid.uuid4().hex
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self.token: int | None = None
        self._lost = threading.Event()
        self._stop_renewing = threading.Event()
        self._renewer: threading.Thread | None = None

    @property
    def renew_interval_s(self) -> float:
        return self._period_ms / 3000

    def acquire(self, stop: threading.Event) -> int | None:
        """Wait until this scheduler leads (or ``stop`` is set); return its fencing token."""
        standing_by = False
        while not stop.is_set():
            token = int(self._acquire(keys=[self._key, self._fencing_key], args=[self._owner, self._period_ms]))
            if token:
                self.token = token
                self._start_renewing()
                return token
            if not standing_by:
                logger.info("Scheduler: standing by; another scheduler holds the lease")
                standing_by = True
            stop.wait(self.renew_interval_s)
        return None

    def renew(self) -> None:
        """Extend the lease.

        Raises:
            LeaseLost: the lease expired and another scheduler may lead now.
        """
        if self.token is None or not self._renew(keys=[self._key], args=[self._value, self._period_ms]):
            self.token = None
            raise LeaseLost("the scheduler lease was lost; another scheduler may be leading")

    def check(self) -> None:
        """Raise :class:`LeaseLost` if renewing the lease has failed."""
        if self._lost.is_set():
            raise LeaseLost("the scheduler lease was lost; another scheduler may be leading")

    def release(self) -> None:
        """Stop renewing and give the lease up, so a standby takes over at once."""
        self._stop_renewing.set()
        if self._renewer is not None:
            self._renewer.join()
            self._renewer = None
        if self.token is not None:
            self._release(keys=[self._key], args=[self._value])
            self.token = None

    def _start_renewing(self) -> None:
        self._lost.clear()
        self._stop_renewing = threading.Event()
        self._renewer = threading.Thread(target=self._renew_until_stopped, name="scheduler-lease", daemon=True)
        self._renewer.start()

    def _renew_until_stopped(self) -> None:
        outage = Outage(logger, "Scheduler lease")
        while not self._stop_renewing.wait(self.renew_interval_s):
            try:
                self.renew()
                outage.succeeded()
            except LeaseLost:
                self._lost.set()
                return
            except redis.RedisError as exc:  # the next renewal may get through; expiry is what counts
                outage.failed(exc)

    @property
    def _value(self) -> str:
        return f"{self.token}:{self._owner}"


def current_leader(client: redis.Redis, prefix: str = DEFAULT_PREFIX) -> tuple[int, int] | None:
    """Return the leading scheduler's fencing token and the milliseconds left on its lease; None when none leads."""
    with client.pipeline(transaction=False) as pipe:
        pipe.get(_lease_key(prefix))
        pipe.pttl(_lease_key(prefix))
        value, ttl = pipe.execute()
    if not value:
        return None
    token = (value.decode() if isinstance(value, bytes) else str(value)).partition(":")[0]
    return int(token), max(int(ttl), 0)
