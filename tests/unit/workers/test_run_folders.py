"""Execution folders on a worker host: unpacked once, shared by tries, swept when unused and unheld."""

from __future__ import annotations

import os
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from workers.packages import CachedSnapshot
from workers.run_folders import RunFolders

DAY = 24 * 3600.0


@pytest.fixture
def snapshot(tmp_path: Path) -> CachedSnapshot:
    cached = CachedSnapshot(tmp_path / "snapshots" / "1")
    cached.folder.mkdir(parents=True)
    with zipfile.ZipFile(cached.package, "w") as archive:
        archive.writestr("wf.py", "print('workflow')\n")
        archive.writestr("data/input.txt", "42\n")
    return cached


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def folders(root: Path) -> RunFolders:
    return RunFolders(root, timedelta(days=1))


def age(folder: Path, seconds: float) -> None:
    old = os.stat(folder).st_mtime - seconds
    os.utime(folder, (old, old))


def test_tries_of_an_execution_share_one_unpacked_folder(folders: RunFolders, snapshot: CachedSnapshot) -> None:
    with folders.use(3, snapshot) as first:
        assert (first / "data" / "input.txt").read_text() == "42\n"
        (first / "model.bin").write_text("trained")
    with folders.use(3, snapshot) as second, folders.use(4, snapshot) as other:
        assert second == first
        assert (second / "model.bin").read_text() == "trained"
        assert other != first and not (other / "model.bin").exists()


def test_concurrent_first_tries_unpack_once_and_see_the_whole_package(
    folders: RunFolders, snapshot: CachedSnapshot, root: Path
) -> None:
    def first_try(_: int) -> list[str]:
        with folders.use(5, snapshot) as folder:
            return sorted(p.name for p in folder.iterdir())

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(first_try, range(8)))

    assert all(names == [".aiflow-run.lock", "data", "wf.py"] for names in seen)
    assert [p.name for p in root.iterdir()] == ["5"]  # no staging folder left


def test_sweep_removes_only_folders_unused_for_the_retention_and_unheld(
    folders: RunFolders, snapshot: CachedSnapshot, root: Path
) -> None:
    for execution_id in (1, 2, 3):
        with folders.use(execution_id, snapshot):
            pass
    age(root / "1", 2 * DAY)
    with folders.use(2, snapshot):
        age(root / "2", 2 * DAY)  # old, but a try holds it

        assert folders.sweep() == 1

    assert sorted(p.name for p in root.iterdir()) == ["2", "3"]


def test_a_swept_folder_is_unpacked_again_for_a_late_try(folders: RunFolders, snapshot: CachedSnapshot) -> None:
    with folders.use(7, snapshot) as folder:
        (folder / "left.txt").write_text("x")
    age(folder, 2 * DAY)
    assert folders.sweep() == 1

    with folders.use(7, snapshot) as again:
        assert (again / "wf.py").exists() and not (again / "left.txt").exists()


def test_each_sweep_looks_at_a_bounded_batch_and_the_next_goes_on(
    folders: RunFolders, snapshot: CachedSnapshot, root: Path
) -> None:
    for execution_id in (1, 2, 3):
        with folders.use(execution_id, snapshot):
            pass
        age(root / str(execution_id), 2 * DAY)

    assert [folders.sweep(limit=2), folders.sweep(limit=2)] == [2, 1]
    assert list(root.iterdir()) == []
