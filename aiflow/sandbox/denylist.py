"""Landlock rules for "everything except": the whole machine but a few folders, with exceptions inside them.

Landlock can only grant: a rule gives rights on a folder and everything below
it. To deny a folder, no rule may sit on it or on any folder above it. So the
rules walk from ``/`` down to each denied path and grant everything *beside*
the way: each entry of a folder above a denied path that neither is nor holds
one. The folders above a denied path get no right of their own, so nothing can
be created, removed or listed directly in them (their entries that existed
when the rules were made stay fully usable). Exceptions strictly inside a
denied folder (a task's own run folder) get rules of their own.

:func:`rules_except` is the pure computation; :class:`ExceptRules` keeps the
part that does not change from one use to the next for the real filesystem,
and makes it again when a folder above a denied path has changed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

Rule = tuple[Path, int]
"""A path and the Landlock rights granted below it."""

ListDir = Callable[[Path], Iterable[str]]
"""Names the entries of a folder that a rule may be put on."""

SETTLED_NS = 100_000_000
"""How long (ns) a folder must have been unchanged for its listing to be trusted later.

File times advance by clock ticks of a few milliseconds: an entry added within
the tick of the last change can leave the folder's time as it was.
"""


def rules_except(denied: Iterable[Path], granted: Iterable[Rule], list_dir: ListDir, everything: int) -> list[Rule]:
    """Return rules granting ``everything`` on the whole tree but below ``denied``, and ``granted`` inside them.

    Paths must be absolute and hold no symbolic link (resolve them first).
    ``list_dir`` must leave out symbolic links: a rule follows them, so one
    could open a denied folder. A denied path inside another adds nothing; a
    grant is kept only when it lies strictly inside a denied path (elsewhere
    everything is granted already, and a grant holding a denied path would
    open it).
    """
    closed = outermost(denied)
    return rules_beside(closed, list_dir, everything) + rules_inside(closed, granted)


def outermost(paths: Iterable[Path]) -> list[Path]:
    """Return ``paths`` normalized, without those inside another of them.

    Raises:
        ValueError: a path is relative.
    """
    kept: list[Path] = []
    for path in sorted({_normal(path) for path in paths}):
        if not any(path == other or other in path.parents for other in kept):
            kept.append(path)
    return kept


def rules_beside(closed: list[Path], list_dir: ListDir, everything: int) -> list[Rule]:
    """Grant ``everything`` on each entry of each folder above a path of ``closed`` (see :func:`outermost`).

    With nothing closed, that is everything on ``/``.
    """
    if not closed:
        return [(Path("/"), everything)]
    above = set(folders_above(closed))
    rules = []
    for folder in sorted(above):
        for name in sorted(list_dir(folder)):
            entry = folder / name
            if entry not in above and entry not in closed:
                rules.append((entry, everything))
    return rules


def folders_above(closed: list[Path]) -> list[Path]:
    """The folders above the paths of ``closed``: those where no entry can be added, removed or listed."""
    return sorted({parent for path in closed for parent in path.parents})


def rules_inside(closed: list[Path], granted: Iterable[Rule]) -> list[Rule]:
    """Keep the grants that lie strictly inside a path of ``closed`` (see :func:`outermost`).

    Compared as text: this runs for each use, in a freshly forked process, where every object made costs.
    """
    prefixes = [os.path.join(str(folder), "") for folder in closed]
    rules = []
    for path, access in granted:
        text = str(_normal(path))
        if any(text.startswith(prefix) and len(text) > len(prefix) for prefix in prefixes):
            rules.append((Path(text), access))
    return rules


def list_entries(folder: Path) -> list[tuple[str, int]]:
    """Name the entries of ``folder`` but its symbolic links, with their inodes; none when it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return sorted((entry.name, entry.inode()) for entry in entries if not entry.is_symlink())
    except OSError:  # missing, not a folder, or not ours to list
        return []


def _normal(path: Path) -> Path:
    if not path.is_absolute():
        raise ValueError(f"not an absolute path: {path}")
    return Path(os.path.normpath(path))


class ExceptRules:
    """:func:`rules_except` for this machine, kept until an entry of a folder above a denied path changes.

    ``denied`` paths are resolved here. ``static`` grants (the interpreter's
    folders, say) are part of what is kept (:meth:`kept`); :meth:`inside`
    makes the grants of one use. A folder whose time has not changed since it
    was listed (and had not changed for :data:`SETTLED_NS` then) is not listed
    again; one whose time changed is listed again, and the rules are made
    again only if its entries (names and inodes) differ: a file made and
    removed meanwhile (a database's journal) changes nothing.
    """

    def __init__(self, denied: Iterable[Path], static: Iterable[Rule], everything: int,
                 list_dir: Callable[[Path], list[tuple[str, int]]] = list_entries,
                 clock: Callable[[], int] = time.time_ns) -> None:
        self.closed = outermost(Path(path).resolve() for path in denied)
        self._static = [(Path(path).resolve(), access) for path, access in static]
        self.above = folders_above(self.closed)
        self._everything = everything
        self._list_dir = list_dir
        self._clock = clock
        self._kept: list[Rule] = []
        self.version = 0
        """How many times the kept rules were made."""
        self._listings: dict[Path, list[tuple[str, int]]] | None = None
        self._trusted: dict[Path, int | None] = {}
        """Each folder's time when it was listed, if no later change could have kept that time."""

    def kept(self) -> list[Rule]:
        """Return the rules that do not change between uses, made again first unless :meth:`fresh`."""
        if not self.fresh():
            self.scan()
        return self._kept

    def inside(self, granted: Iterable[Rule]) -> list[Rule]:
        """Return the rules of one use: the grants that lie strictly inside a denied path (resolved here)."""
        return rules_inside(self.closed, ((Path(os.path.realpath(path)), access) for path, access in granted))

    def fresh(self) -> bool:
        """Whether the folders above the denied paths hold the entries the kept rules were made from.

        Costs a ``stat`` per folder, and a listing of those whose time changed.
        """
        if self._listings is None:
            return False
        for folder in self.above:
            mtime = _mtime(folder)
            if folder in self._trusted and self._trusted[folder] == mtime:
                continue
            now = self._clock()  # before listing: a change while listing shows next time
            if self._list_dir(folder) != self._listings[folder]:
                return False
            self._trust(folder, mtime, now)
        return True

    def scan(self) -> None:
        """Make the kept rules from the folders as they are now."""
        self._trusted.clear()
        self._listings = {}
        for folder in self.above:
            mtime, now = _mtime(folder), self._clock()
            self._listings[folder] = self._list_dir(folder)
            self._trust(folder, mtime, now)
        listings = self._listings
        names = lambda folder: [name for name, _ in listings[folder]]  # noqa: E731
        self._kept = rules_beside(self.closed, names, self._everything) + rules_inside(self.closed, self._static)
        self.version += 1

    def _trust(self, folder: Path, mtime: int | None, now: int) -> None:
        """Trust ``folder``'s listing while its time stays ``mtime``, unless it changed too shortly before ``now``."""
        if mtime is None or now - mtime > SETTLED_NS:
            self._trusted[folder] = mtime
        else:
            self._trusted.pop(folder, None)


def _mtime(folder: Path) -> int | None:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return None
