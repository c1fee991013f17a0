"""The forked child's last trusted steps: confine itself as the spec says, then execute the interpreter.

Order matters: limits and ``no_new_privs`` first, the capability bounding set
while the process may still change it, Landlock, then the user switch (which
needs CAP_SETUID), then the remaining capabilities. The parent-death signal is
set last, because a change of user clears it.
"""

from __future__ import annotations

import os
import signal

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
    privileges.forbid_new_privileges()
    privileges.drop_capability_bounding_set()
    if spec.landlock_abi:
        read_only, writable, devices = spec.paths()
        landlock.restrict_self(spec.landlock_abi, read_only, writable, devices)
    if spec.identity is not None:
        privileges.switch_user(*spec.identity)
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
