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
TCP stays open. To cost a try little, the fork server keeps the rules
(:meth:`TryJail.refresh`, made again only when a folder on the way to a
protected one changed), and each spare builds its ruleset before its request
comes (:meth:`TryJail.prepare`): the try itself adds one rule for its folder.
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
        self.user_environment: dict[str, str] = {}
        """The variables naming the task user (``HOME``, ``USER``, ``LOGNAME``), when tasks switch to one."""
        if self.identity is not None:
            entry = pwd.getpwuid(self.identity[0])
            self.user_environment = {"HOME": entry.pw_dir, "USER": entry.pw_name, "LOGNAME": entry.pw_name}

    def refresh(self) -> None:
        """Make the kept rules again if a folder on the way to a protected one changed (before forking a spare)."""
        if self.rules is not None:
            self.rules.kept()

    def prepare(self) -> PreparedJail:
        """Build the ruleset of the next try, ahead of its request (in a spare)."""
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
            self._ruleset = self._build()
        except OSError as error:
            self._error = error  # reported by the try that would have used it

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
        restrict = None if self._jail.rules is None else functools.partial(self._restrict, folder)
        lose_privileges(identity, restrict)

    def _build(self) -> landlock.Ruleset | None:
        rules = self._jail.rules
        if rules is None:
            return None
        ruleset = landlock.Ruleset(self._jail.abi, tcp=False, scopes=landlock.SCOPE_SIGNAL)
        try:
            for path, access in rules.kept():
                ruleset.allow(path, access)
        except BaseException:
            ruleset.close()
            raise
        return ruleset

    def _restrict(self, folder: Path) -> None:
        rules = self._jail.rules
        assert rules is not None and self._ruleset is not None
        if not rules.fresh():  # a folder changed while this spare waited
            self._ruleset.close()
            self._ruleset = self._build()
            assert self._ruleset is not None
        with self._ruleset:
            for path, access in rules.inside([(folder, self._jail.everything)]):
                self._ruleset.allow(path, access)
            self._ruleset.enforce()
