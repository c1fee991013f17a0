"""The forked child's last trusted steps: confine itself as the spec says, then execute the interpreter.

Order matters: limits and ``no_new_privs`` first, the capability bounding set
while the process may still change it, Landlock, then the user switch (which
needs CAP_SETUID), then the remaining capabilities. The parent-death signal is
set last, because a change of user clears it.
"""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Callable

from aiflow.sandbox import landlock, privileges
from aiflow.sandbox.spec import LaunchSpec

EXIT_CANNOT_CONFINE = 126
"""Exit code of a child that could not be confined (it never ran the module)."""


def confine(spec: LaunchSpec) -> None:
    """Apply the spec's limits, Landlock rules, user and capabilities to this process, for good.

    Raises:
        OSError: a step failed; the process must not go on to run the module.
    """
    os.chdir(spec.workdir)
    privileges.apply_limits(spec.limits)
    restrict = None
    if spec.landlock_abi:
        restrict = functools.partial(landlock.restrict_self, spec.landlock_abi, *spec.paths())
    give_up_privileges(spec.identity, restrict)


def give_up_privileges(identity: tuple[int, int] | None, restrict: Callable[[], None] | None) -> None:
    """Become a process without privileges, for good: what a sandbox and a task process do before user code.

    :func:`forbid_gaining_privileges`, then :func:`lose_privileges`.

    Raises:
        OSError: a step failed; the process must not go on to run user code.
    """
    forbid_gaining_privileges()
    lose_privileges(identity, restrict)


def forbid_gaining_privileges() -> None:
    """Set ``no_new_privs`` and empty the capability bounding set (while the process may still change it).

    Nothing executed later gains a privilege; the capabilities held stay. A
    process may take this first half of :func:`give_up_privileges` early.
    """
    privileges.forbid_new_privileges()
    privileges.drop_capability_bounding_set()


def lose_privileges(identity: tuple[int, int] | None, restrict: Callable[[], None] | None) -> None:
    """The second half of :func:`give_up_privileges`: ``restrict``, the user, then every capability.

    ``restrict`` enforces a Landlock ruleset; the switch to ``identity``
    (uid, gid) needs CAP_SETUID; then every capability set is cleared. A
    change of user clears the parent-death signal: the caller sets it again.

    Raises:
        OSError: a step failed; the process must not go on to run user code.
    """
    if restrict is not None:
        restrict()
    if identity is not None:
        privileges.switch_user(*identity)
    privileges.drop_capabilities()


def exec_child(spec: LaunchSpec, reaper_pid: int) -> None:
    """Confine this process and replace it with the sandboxed interpreter; never returns."""
    try:
        confine(spec)
        privileges.set_parent_death_signal(signal.SIGKILL)
        if os.getppid() != reaper_pid:
            raise OSError("the sandbox's reaper ended before the child started")
        argv = spec.child_argv()
        os.execve(argv[0], argv, spec.environment)
    except BaseException as error:  # report why, then never run the module
        os.write(2, f"Sandbox: cannot start the child: {error}\n".encode(errors="replace"))
    os._exit(EXIT_CANNOT_CONFINE)
