"""Confining a try's process in the fork server, as the worker decided (:mod:`workers.runtime.confinement`).

Before any user code runs, a try's process hands its run folder to the task
user (when it switches to one), sets ``no_new_privs``, empties its capability
bounding set, enforces its Landlock ruleset, switches to the task user and
clears every other capability set (:func:`aiflow.sandbox.confine.give_up_privileges`,
in two halves: the first while the spare waits for its try).

The ruleset grants everything but the protected folders, where only the try's
own run folder (read and write) and the interpreter's folders (read) are
granted (:mod:`aiflow.sandbox.denylist`). It keeps signals inside the try's
domain (ABI 6+): a task cannot signal its worker, its fork server or another
task; and, at every ABI, it cannot trace them or read their ``/proc`` files.
TCP stays open. To cost a try little, the fork server keeps the rules, their
paths held open (:meth:`TryJail.refresh`, made again only when a folder on
the way to a protected one changed), and each spare begins its confinement
before its request comes (:meth:`TryJail.prepare`): the try itself checks the
folders on the way, adds one rule for its own folder and enforces.
"""

from __future__ import annotations

import functools
import os
import pwd
from pathlib import Path

from aiflow.sandbox import landlock
from aiflow.sandbox.confine import forbid_gaining_privileges, lose_privileges
from aiflow.sandbox.denylist import ExceptRules
from aiflow.sandbox.launch import hand_over
from workers.runtime.confinement import TaskConfinement


class TryJail:
    """The confinement of one fork server's try processes, and the Landlock rules it keeps."""

    def __init__(self, confinement: TaskConfinement) -> None:
        self.identity = confinement.identity
        self.abi = confinement.landlock_abi
        self.everything = landlock.handled_fs(self.abi)
        self.rules: ExceptRules | None = None
        if self.abi:
            readable = [(Path(path), landlock.READ_ONLY) for path in confinement.readable]
            self.rules = ExceptRules(map(Path, confinement.protected), readable, self.everything)
        self.held: landlock.HeldRules | None = None
        """The kept rules' paths, held open by the fork server (see :meth:`refresh`)."""
        self._held_version = 0
        self.user_environment: dict[str, str] = {}
        """The variables naming the task user (``HOME``, ``USER``, ``LOGNAME``), when tasks switch to one."""
        if self.identity is not None:
            entry = pwd.getpwuid(self.identity[0])
            self.user_environment = {"HOME": entry.pw_dir, "USER": entry.pw_name, "LOGNAME": entry.pw_name}

    def refresh(self) -> None:
        """Make the kept rules again if a folder on the way to a protected one changed (before forking a spare).

        Their paths are held open, so that a spare adds each rule with one system call.
        """
        if self.rules is None:
            return
        kept = self.rules.kept()
        if self.held is None or self._held_version != self.rules.version:
            if self.held is not None:
                self.held.close()
            self.held, self._held_version = landlock.HeldRules(kept), self.rules.version

    def prepare(self) -> PreparedJail:
        """Begin the next try's confinement, ahead of its request (in a spare)."""
        return PreparedJail(self)


class PreparedJail:
    """One try's confinement, begun: :meth:`enter` completes it once the try is known.

    Made before the try's request comes: no privilege can be gained any more
    (``no_new_privs``, an empty bounding set; the capabilities held stay, to
    hand the run folder over and switch users), and the ruleset holds every
    rule but the one of the try's own folder.
    """

    def __init__(self, jail: TryJail) -> None:
        self._jail = jail
        self._ruleset: landlock.Ruleset | None = None
        self._error: OSError | None = None
        try:
            forbid_gaining_privileges()
            self._ruleset = self._build(jail.held)
            self._refresh()  # in case a folder changed since the fork; the try checks again
        except OSError as error:
            self._error = error  # reported by the try that would have used it
        finally:
            if jail.held is not None:
                jail.held.close()  # this process's copies; the fork server keeps its own
                jail.held = None

    def enter(self, folder: Path) -> None:
        """Confine this process, for good, to what the try in ``folder`` may use.

        Raises:
            OSError: a step failed; the try must not run.
        """
        if self._error is not None:
            raise self._error
        identity = self._jail.identity
        if identity is not None and os.stat(folder).st_uid != identity[0]:
            hand_over(folder, *identity)  # once per execution: what its tries create is the user's already
            let_through(folder.parent)
        restrict = None if self._jail.rules is None else functools.partial(self._restrict, folder)
        lose_privileges(identity, restrict)

    def _build(self, held: landlock.HeldRules | None) -> landlock.Ruleset | None:
        """A ruleset of the kept rules: those ``held`` open by the fork server, or else made here."""
        rules = self._jail.rules
        if rules is None:
            return None
        ruleset = landlock.Ruleset(self._jail.abi, tcp=False, scopes=landlock.SCOPE_SIGNAL)
        try:
            if held is not None:
                held.add_to(ruleset)
            else:
                for path, access in rules.kept():
                    ruleset.allow(path, access)
        except BaseException:
            ruleset.close()
            raise
        return ruleset

    def _refresh(self) -> None:
        """Build the ruleset again, here, if a folder on the way to a protected one has changed since."""
        rules = self._jail.rules
        if rules is not None and self._ruleset is not None and not rules.fresh():
            self._ruleset.close()
            self._ruleset = self._build(None)

    def _restrict(self, folder: Path) -> None:
        self._refresh()  # a folder may have changed while this spare waited
        rules = self._jail.rules
        assert rules is not None and self._ruleset is not None
        with self._ruleset:
            for path, access in rules.inside([(folder, self._jail.everything)]):
                self._ruleset.allow(path, access)
            self._ruleset.enforce()


def let_through(folder: Path) -> None:
    """Let every user pass through ``folder`` (search permission), not list it: a task user's way to its run folder.

    The folder holding the executions' run folders is made private (0700) like
    every folder the worker makes; each run folder stays its task user's alone.
    """
    mode = os.stat(folder).st_mode
    if mode & 0o111 != 0o111:
        os.chmod(folder, (mode & 0o7777) | 0o111)
