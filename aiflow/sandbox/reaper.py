"""The trusted process between a caller and its sandboxed child: nothing the child starts outlives it.

The caller runs ``python -I -B -c <bootstrap> <root>`` with the :class:`LaunchSpec`
in :data:`~aiflow.sandbox.spec.SPEC_VARIABLE`. The reaper becomes a child
subreaper (orphans of the child's tree are re-parented to it), asks for
SIGTERM when the thread that started it ends, forks the child (which confines
itself and executes the interpreter) and waits. When the child exits, or the
reaper gets SIGTERM, SIGINT or SIGHUP, it SIGKILLs every descendant it still
has, reaps them all, and exits with the child's exit code (128 + N when signal
N ended it, as a shell reports it).
"""

from __future__ import annotations

import os
import signal
import sys
from collections import defaultdict

from aiflow.sandbox import confine, privileges
from aiflow.sandbox.spec import SPEC_VARIABLE, LaunchSpec

_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


def main() -> None:
    """Run the child the spec in the environment names; never returns."""
    spec = LaunchSpec.from_json(os.environ.pop(SPEC_VARIABLE))
    privileges.set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != spec.parent_pid:
        os._exit(confine.EXIT_CANNOT_CONFINE)  # the caller is already gone
    privileges.become_subreaper()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD, *_STOP_SIGNALS})
    child = os.fork()
    if child == 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        confine.exec_child(spec, os.getppid())
    _detach_from_pipes()
    status = supervise(child)
    kill_descendants()
    sys.stderr.flush()
    os._exit(status)


def _detach_from_pipes() -> None:
    """Let the caller's stdin and stdout pipes belong to the child alone."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)


def supervise(child: int) -> int:
    """Wait until ``child`` exits (return its code) or a stop signal arrives (kill it, return 128 + SIGKILL)."""
    while True:
        info = signal.sigwaitinfo({signal.SIGCHLD, *_STOP_SIGNALS})
        if info.si_signo != signal.SIGCHLD:
            os.kill(child, signal.SIGKILL)
            return 128 + signal.SIGKILL
        status = _reap_exited(child)
        if status is not None:
            return status


def _reap_exited(child: int) -> int | None:
    """Reap every exited child; return ``child``'s exit code if it is among them."""
    found = None
    while True:
        try:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return found
        if pid == 0:
            return found
        if pid == child:
            code = os.waitstatus_to_exitcode(wait_status)
            found = code if code >= 0 else 128 - code


def kill_descendants() -> None:
    """SIGKILL and reap every descendant until this process has no child left."""
    while True:
        for pid in descendants(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(-1, 0)  # one more gone; its orphans are ours now
        except ChildProcessError:
            return


def descendants(root: int) -> list[int]:
    """Return the pids of every living descendant of ``root``, found through ``/proc``."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            parent = _parent_of(entry.name)
            if parent is not None:
                children[parent].append(int(entry.name))
    found, pending = [], [root]
    while pending:
        kids = children.get(pending.pop(), [])
        found += kids
        pending += kids
    return found


def _parent_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None  # gone meanwhile
    return int(fields[1])
