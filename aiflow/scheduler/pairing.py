"""Whether the metadata database and the event bus belong together, checked before anything is applied.

The database knows its own id and the bus it was paired with (:mod:`aiflow.metadata.identity`);
the bus knows its own id and the database it was paired with (:mod:`notification.store_layout`).
The scheduler's position in the log is an offset in the database, so a scheduler started against a
reset bus (offsets start again at 1) would skip every new event, and against a reset database it
would apply the whole old log again. :func:`decide` tells these apart from stores that belong
together; :class:`PairingCheck` runs it on every recovery and refuses to apply while they do not,
and :func:`rebind` (``aiflow db rebind-bus``) accepts the bus the database has now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy.engine import Engine

from aiflow.errors import ConflictError
from aiflow.metadata import checkpoint
from aiflow.metadata.identity import load_identity, record_bus
from aiflow.metadata.session import session_scope
from aiflow.scheduler.chores import IntervalChore
from aiflow.scheduler.lease import raise_token_floor
from notification.client import NotificationClient
from notification.keys import EventKeys, TaskKeys
from notification.store_layout import delete_task_keys, pair_database, paired_database, store_id

logger = logging.getLogger(__name__)

_REBIND = "run 'aiflow db rebind-bus' to pair them anew"
_KEYS = EventKeys()
RECHECK_INTERVAL = timedelta(seconds=10)
"""How often a leading scheduler looks again whether its stores still belong together."""


class Verdict(str, Enum):
    """What the stores' identities say."""

    PAIRED = "paired"
    """They belong together: apply."""
    PAIR = "pair"
    """Neither is paired yet (or one half of a pairing is missing) and the log is not behind: pair them."""
    BUS_RESET = "bus_reset"
    """Neither is paired, and the log ends before the checkpoint: the bus is new to this database."""
    OTHER_BUS = "other_bus"
    """The database was paired with another bus: the bus was reset or replaced."""
    OTHER_DATABASE = "other_database"
    """The bus belongs to another database: the database was reset or replaced."""
    BUS_BEHIND = "bus_behind"
    """Paired, but the log ends before the checkpoint: the bus lost events (a restore, a lost file)."""

    @property
    def refuses(self) -> bool:
        return self not in (Verdict.PAIRED, Verdict.PAIR)


@dataclass(frozen=True)
class Stores:
    """What both stores say about themselves and each other."""

    database_id: str
    bus_id: str
    #: The bus the database was paired with (None before its first pairing).
    database_bus: str | None
    #: The database the bus was paired with (None before its first pairing).
    bus_database: str | None
    applied_offset: int
    latest_offset: int

    @property
    def bus_has_other_database(self) -> bool:
        return self.bus_database is not None and self.bus_database != self.database_id


def decide(stores: Stores) -> Verdict:
    """Return what to do before applying: pair, go on, or refuse (and why)."""
    log_behind = stores.latest_offset < stores.applied_offset
    if stores.database_bus is None and stores.bus_database is None:
        return Verdict.BUS_RESET if log_behind else Verdict.PAIR
    if stores.database_bus is not None and stores.database_bus != stores.bus_id:
        return Verdict.OTHER_BUS
    if stores.bus_has_other_database:
        return Verdict.OTHER_DATABASE
    if log_behind:
        return Verdict.BUS_BEHIND
    if stores.database_bus is None or stores.bus_database is None:
        return Verdict.PAIR
    return Verdict.PAIRED


def explain(verdict: Verdict, stores: Stores) -> str:
    """Return what a refusal means and what to do about it, in one line."""
    behind = (f"the event bus's newest offset {stores.latest_offset} is below the last applied offset "
              f"{stores.applied_offset}")
    reasons = {
        Verdict.BUS_RESET: f"{behind}: the bus was reset or replaced, and its new events would all be skipped",
        Verdict.OTHER_BUS: (f"the event bus (store {stores.bus_id}) is not the one this database was paired with "
                            f"(store {stores.database_bus}): the bus was reset or replaced"),
        Verdict.OTHER_DATABASE: (f"the event bus belongs to another metadata database ({stores.bus_database}, "
                                 f"this one is {stores.database_id}): the database was reset or replaced, "
                                 "and the bus's old events would be applied to it"),
        Verdict.BUS_BEHIND: f"{behind}: the bus lost events, and new ones would be skipped",
    }
    return (f"{reasons[verdict]}. Point the scheduler at the right database and Redis; or, to keep these two, "
            f"{_REBIND} (the scheduler then goes on from the bus's newest event)")


class PairingRefused(ConflictError):
    """The metadata database and the event bus do not belong together; nothing may be applied."""

    def __init__(self, verdict: Verdict, stores: Stores) -> None:
        super().__init__(explain(verdict, stores))
        self.verdict = verdict


def read_stores(engine: Engine, bus: NotificationClient) -> Stores:
    """Read both stores' identities and positions."""
    with session_scope(engine) as session:
        identity = load_identity(session)
        database_id, database_bus = identity.database_id, identity.bus_id
        applied = checkpoint.last_applied_offset(session)
    return Stores(database_id, store_id(bus.redis, _KEYS), database_bus, paired_database(bus.redis, _KEYS),
                  applied, bus.latest_offset())


def pair(engine: Engine, bus: NotificationClient, stores: Stores, now: datetime) -> None:
    """Record the pairing on both sides: the database first, then the bus."""
    with session_scope(engine) as session:
        record_bus(session, stores.bus_id, now)
    pair_database(bus.redis, _KEYS, stores.database_id)


class PairingCheck(IntervalChore):
    """The scheduler's check: pairs new stores, refuses stores that do not belong together.

    The loop runs it on every recovery, before it applies anything, and as a chore every
    :data:`RECHECK_INTERVAL`, so that a store reset under a running scheduler stops it too. A
    refusal is logged once (again only when its reason changes), and once more when it is over.
    """

    def __init__(self, engine: Engine, bus: NotificationClient, interval: timedelta = RECHECK_INTERVAL) -> None:
        super().__init__(engine, bus, interval)
        self._refused: Verdict | None = None

    def run(self, now: datetime) -> None:
        self.check(now)

    def check(self, now: datetime) -> None:
        """Pair the stores if new; return if they belong together.

        Raises:
            PairingRefused: they do not; apply nothing, and check again later.
        """
        stores = read_stores(self._engine, self._bus)
        verdict = decide(stores)
        if verdict.refuses:
            if verdict is not self._refused:
                logger.error("Scheduler: refusing to apply events: %s", explain(verdict, stores))
            self._refused = verdict
            raise PairingRefused(verdict, stores)
        if verdict is Verdict.PAIR:
            pair(self._engine, self._bus, stores, now)
            logger.info("Scheduler: paired the metadata database %s with the event bus %s",
                        stores.database_id, stores.bus_id)
        if self._refused is not None:
            logger.warning("Scheduler: the metadata database and the event bus belong together again; applying")
            self._refused = None


@dataclass(frozen=True)
class Rebinding:
    """What :func:`rebind` found and did."""

    verdict: Verdict
    stores: Stores
    #: Keys of the other database's tries deleted from the bus.
    deleted_keys: int = 0


def rebind(engine: Engine, bus: NotificationClient, now: datetime) -> Rebinding:
    """Pair the database with ``bus`` for good, whatever each was paired with before.

    Stores that already belong together are left alone, and new ones are paired as the scheduler
    would. Otherwise the checkpoint moves to the bus's newest offset (no old event is applied, no
    new one skipped), the bus's lease tokens are raised past the database's fence, and when the bus
    belonged to another database the keys of that database's tries are deleted, so that ids
    starting again cannot meet its claims, heartbeats, stops or logs. Only while no scheduler
    applies: the pairing check holds a running one back until this is done.
    """
    stores = read_stores(engine, bus)
    verdict = decide(stores)
    if not verdict.refuses:
        if verdict is Verdict.PAIR:
            pair(engine, bus, stores, now)
        return Rebinding(verdict, stores)
    deleted = delete_task_keys(bus.redis, TaskKeys()) if stores.bus_has_other_database else 0
    with session_scope(engine) as session:
        raise_token_floor(bus.redis, checkpoint.last_fencing_token(session))
        checkpoint.move_to(session, stores.latest_offset)
        record_bus(session, stores.bus_id, now)
    pair_database(bus.redis, _KEYS, stores.database_id)
    return Rebinding(verdict, stores, deleted)
