"""The pairing decision: which stores belong together, which get paired, which are refused and why."""

from __future__ import annotations

import pytest

from aiflow.scheduler.pairing import Stores, Verdict, decide, explain

DB, OTHER_DB, BUS, OTHER_BUS = "db-1", "db-0", "bus-1", "bus-0"

#: (database's bus, bus's database, applied offset, latest offset) -> verdict
CASES = {
    "a new installation": (None, None, 0, 0, Verdict.PAIR),
    "a new database on a bus with events": (None, None, 0, 9, Verdict.PAIR),
    "an installation from before pairing": (None, None, 7, 9, Verdict.PAIR),
    "an installation from before pairing, caught up": (None, None, 9, 9, Verdict.PAIR),
    "an installation from before pairing whose bus was reset": (None, None, 9, 2, Verdict.BUS_RESET),
    "paired with each other": (BUS, DB, 7, 9, Verdict.PAIRED),
    "paired with each other, caught up": (BUS, DB, 9, 9, Verdict.PAIRED),
    "paired, the database's half missing": (None, DB, 7, 9, Verdict.PAIR),
    "paired, the bus's half missing": (BUS, None, 7, 9, Verdict.PAIR),
    "a reset bus": (OTHER_BUS, None, 9, 0, Verdict.OTHER_BUS),
    "a reset bus that got new events": (OTHER_BUS, None, 9, 12, Verdict.OTHER_BUS),
    "a bus that belongs to others": (OTHER_BUS, OTHER_DB, 9, 12, Verdict.OTHER_BUS),
    "a reset database": (None, OTHER_DB, 0, 9, Verdict.OTHER_DATABASE),
    "a reset database, used since": (None, OTHER_DB, 3, 9, Verdict.OTHER_DATABASE),
    "the bus was taken over by another database": (BUS, OTHER_DB, 7, 9, Verdict.OTHER_DATABASE),
    "paired, the bus lost its newest events": (BUS, DB, 9, 8, Verdict.BUS_BEHIND),
    "half paired, the bus lost events": (BUS, None, 9, 8, Verdict.BUS_BEHIND),
}


WHAT_HAPPENED = {
    Verdict.BUS_RESET: "the bus was reset or replaced, and its new events would all be skipped",
    Verdict.OTHER_BUS: "the bus was reset or replaced",
    Verdict.OTHER_DATABASE: "the database was reset or replaced",
    Verdict.BUS_BEHIND: "the bus lost events",
}


def stores(database_bus: str | None, bus_database: str | None, applied: int, latest: int) -> Stores:
    return Stores(database_id=DB, bus_id=BUS, database_bus=database_bus, bus_database=bus_database,
                  applied_offset=applied, latest_offset=latest)


@pytest.mark.parametrize("case", CASES)
def test_decide(case: str) -> None:
    *sides, expected = CASES[case]

    assert decide(stores(*sides)) is expected


@pytest.mark.parametrize("verdict", [verdict for verdict in Verdict if verdict.refuses])
def test_every_refusal_says_what_happened_and_what_to_do(verdict: Verdict) -> None:
    case = next(sides for *sides, expected in CASES.values() if expected is verdict)

    message = explain(verdict, stores(*case))

    assert "aiflow db rebind-bus" in message
    assert "\n" not in message
    assert WHAT_HAPPENED[verdict] in message


def test_only_stores_that_belong_together_or_are_new_are_applied() -> None:
    assert {verdict for verdict in Verdict if not verdict.refuses} == {Verdict.PAIRED, Verdict.PAIR}


@pytest.mark.parametrize(("bus_database", "other"), [(None, False), (DB, False), (OTHER_DB, True)])
def test_a_bus_has_another_database_only_when_it_names_one(bus_database: str | None, other: bool) -> None:
    assert stores(BUS, bus_database, 0, 0).bus_has_other_database is other
