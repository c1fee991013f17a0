"""Landlock rules for everything but some folders: the walk from / past each denied path, and when it is made again."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from aiflow.sandbox.denylist import SETTLED_NS, ExceptRules, folders_above, list_entries, outermost, rules_except

ALL, READ = 0b111, 0b001

TREE = {
    "/": ["bin", "etc", "home", "proc", "tmp", "usr"],
    "/home": ["alice", "bob"],
    "/home/alice": [".cache", "aiflow", "data", "notes.txt"],
    "/home/alice/aiflow": ["aiflow_server.yaml", "logs", "worker"],
    "/home/alice/aiflow/worker": ["runs", "snapshots"],
    "/home/alice/aiflow/worker/runs": ["3", "4"],
}


def listing(folder: Path) -> list[str]:
    return TREE.get(str(folder), [])


def paths(rules: list[tuple[Path, int]]) -> dict[str, int]:
    return {str(path): access for path, access in rules}


def test_everything_beside_the_way_to_a_denied_folder_is_granted_and_nothing_on_it() -> None:
    rules = paths(rules_except([Path("/home/alice/aiflow")], [], listing, ALL))

    assert rules == {"/bin": ALL, "/etc": ALL, "/proc": ALL, "/tmp": ALL, "/usr": ALL, "/home/bob": ALL,
                     "/home/alice/.cache": ALL, "/home/alice/data": ALL, "/home/alice/notes.txt": ALL}


@pytest.mark.parametrize(("granted", "kept"), [
    ([("/home/alice/aiflow/worker/runs/4", ALL)], {"/home/alice/aiflow/worker/runs/4": ALL}),  # inside: kept
    ([("/home/alice/aiflow/worker/runs/4/", READ)], {"/home/alice/aiflow/worker/runs/4": READ}),  # normalized
    ([("/home/alice/data", READ)], {}),  # outside: already granted in full
    ([("/home/alice", ALL)], {}),  # holds the denied folder: would open it
    ([("/home/alice/aiflow", ALL)], {}),  # the denied folder itself
])
def test_only_grants_strictly_inside_a_denied_folder_are_kept(granted: list[tuple[str, int]],
                                                              kept: dict[str, int]) -> None:
    denied = [Path("/home/alice/aiflow")]
    beside = rules_except(denied, [], listing, ALL)

    rules = rules_except(denied, [(Path(path), access) for path, access in granted], listing, ALL)

    assert rules[:len(beside)] == beside
    assert paths(rules[len(beside):]) == kept


def test_several_denied_folders_close_every_folder_on_their_ways() -> None:
    rules = paths(rules_except([Path("/home/alice/aiflow/logs"), Path("/home/bob"), Path("/tmp")], [], listing, ALL))

    assert "/tmp" not in rules and "/home/bob" not in rules and "/home/alice/aiflow/logs" not in rules
    assert {"/home/alice/aiflow/aiflow_server.yaml", "/home/alice/aiflow/worker", "/home/alice/data"} <= set(rules)
    assert not {"/", "/home", "/home/alice", "/home/alice/aiflow"} & set(rules)


def test_a_denied_folder_inside_another_adds_nothing() -> None:
    outer = rules_except([Path("/home/alice/aiflow")], [], listing, ALL)

    assert rules_except([Path("/home/alice/aiflow/worker"), Path("/home/alice/aiflow")], [], listing, ALL) == outer
    assert outermost([Path("/a/b"), Path("/a"), Path("/a/"), Path("/c")]) == [Path("/a"), Path("/c")]


def test_nothing_denied_grants_the_whole_tree_and_denying_the_root_grants_nothing() -> None:
    assert rules_except([], [], listing, ALL) == [(Path("/"), ALL)]
    assert rules_except([Path("/")], [(Path("/tmp"), ALL)], listing, ALL) == [(Path("/tmp"), ALL)]


def test_the_folders_above_are_those_left_without_rights() -> None:
    assert folders_above(outermost([Path("/home/alice/aiflow"), Path("/tmp/x")])) == [
        Path("/"), Path("/home"), Path("/home/alice"), Path("/tmp")]


def test_relative_paths_are_refused() -> None:
    with pytest.raises(ValueError, match="not an absolute path"):
        rules_except([Path("aiflow")], [], listing, ALL)


def test_the_listing_leaves_out_symbolic_links_which_a_rule_would_follow(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "file").touch()
    (tmp_path / "to-home").symlink_to(tmp_path / "data")

    assert [name for name, _ in list_entries(tmp_path)] == ["data", "file"]
    assert dict(list_entries(tmp_path))["data"] == (tmp_path / "data").stat().st_ino
    assert list_entries(tmp_path / "missing") == []


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """``tmp_path/home`` holding a denied ``aiflow`` folder and a ``data`` folder, last changed long ago."""
    home = tmp_path / "home"
    (home / "aiflow").mkdir(parents=True)
    (home / "data").mkdir()
    return home


def long_after_every_change() -> int:
    return 2**62


def settled_above(home: Path) -> Callable[[Path], list[tuple[str, int]]]:
    """Real listings of ``home`` and below; the folders above it as first listed.

    Other tests and processes add and remove entries in ``/tmp`` all the time: a test of freshness
    must see only its own changes.
    """
    first: dict[Path, list[tuple[str, int]]] = {}

    def listing(folder: Path) -> list[tuple[str, int]]:
        if folder == home or home in folder.parents:
            return list_entries(folder)
        return list(first.setdefault(folder, list_entries(folder)))

    return listing


def test_kept_rules_are_made_again_only_when_a_folder_on_the_way_changes(home: Path) -> None:
    rules = ExceptRules([home / "aiflow"], [], ALL, list_dir=settled_above(home), clock=long_after_every_change)
    first = rules.kept()
    assert (home / "data", ALL) in first and rules.fresh()

    (home / "new").touch()

    assert not rules.fresh()
    assert (home / "new", ALL) in rules.kept()
    assert rules.fresh()


def test_a_listing_made_just_after_a_change_is_checked_again_at_the_next_use(home: Path) -> None:
    """An entry added in the same clock tick as the last change can leave the folder's time as it was."""
    changed = os.stat(home).st_mtime_ns
    entries = list_entries(home)
    listings: list[Path] = []
    above = settled_above(home)

    def listing(folder: Path) -> list[tuple[str, int]]:
        listings.append(folder)
        return list(entries) if folder == home else above(folder)

    rules = ExceptRules([home / "aiflow"], [], ALL, list_dir=listing, clock=lambda: changed + SETTLED_NS // 2)
    rules.kept()
    listings.clear()

    assert rules.fresh() and listings.count(home) == 1  # listed again, found the same
    entries.append(("made-in-the-same-tick", 1))
    assert not rules.fresh()


def test_a_file_made_and_removed_meanwhile_changes_nothing_but_a_folder_made_again_does(home: Path) -> None:
    rules = ExceptRules([home / "aiflow"], [], ALL, list_dir=settled_above(home), clock=long_after_every_change)
    rules.kept()

    (home / "aiflow.db-journal").touch()
    (home / "aiflow.db-journal").unlink()
    assert rules.fresh()

    (home / "data").rename(home.parent / "old-data")  # kept: the new folder cannot take its inode
    (home / "data").mkdir()
    assert not rules.fresh()  # the rule on the old folder would not grant the new one


def test_grants_of_one_use_and_static_grants_are_resolved_and_kept_only_inside(home: Path) -> None:
    (home / "aiflow" / "venv").mkdir()
    (home / "aiflow" / "runs" / "4").mkdir(parents=True)
    (home / "link-to-runs").symlink_to(home / "aiflow" / "runs")
    rules = ExceptRules([home / "aiflow"], [(home / "aiflow" / "venv", READ), (home / "data", READ)], ALL,
                        clock=long_after_every_change)

    assert (home / "aiflow" / "venv", READ) in rules.kept() and (home / "data", READ) not in rules.kept()
    assert rules.inside([(home / "link-to-runs" / "4", ALL)]) == [(home / "aiflow" / "runs" / "4", ALL)]
    assert rules.inside([(home / "data", ALL)]) == []
