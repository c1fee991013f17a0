"""A workflow server's command launcher: ``python -S -m workers.runtime.launcher FD PARENT SCOPED``.

Forking a try's process copies the page tables of the process that forks, and
each memory page either process writes before the try executes its command.
A workflow server (:mod:`workers.runtime.workflow_server`) holds the runtime's
imports and the loaded workflow, some 40 MB: a try forked from it costs about
twice what executing ``bash`` does. So once a server has a second try that
becomes a command, it starts this launcher, a process of some 15 MB (the
standard library and the sandbox's calls) inside the server's confinement,
and has it fork those tries.

On the socket ``FD`` the server sends a :class:`~workers.runtime.commands.Command`
with the try's output pipe, message pipe and status socket (see
:mod:`workers.runtime.forkserver`); the launcher sends :data:`READY` once it
serves. Like the server, it reports each try's pid and exit on its status
socket, gives each try a Landlock domain of its own when ``SCOPED`` is ``1``,
passes a SIGTERM on to its tries' groups, dies with the server (a parent-death
signal), and ends once the link has ended and its last try has exited.
"""

from __future__ import annotations

import os
import signal
import socket
import sys

from aiflow.sandbox import landlock, privileges
from workers.runtime.commands import Command, TryForker, become, set_up_try

READY = b"ready"
"""What the launcher sends its server once it forks tries."""


class Launcher(TryForker):
    """Forks the try of each command on ``link``, each in a Landlock domain of its own with ``scopes``."""

    def __init__(self, link: socket.socket, scopes: landlock.Ruleset | None) -> None:
        super().__init__(link)
        self._scopes = scopes

    def handle(self, message: bytes, fds: list[int]) -> None:
        output, messages, status_fd = fds
        status = socket.socket(fileno=status_fd)
        command, launcher = Command.from_bytes(message), os.getpid()

        def run() -> int:
            return become(command, messages) if set_up_try(output, status, launcher, self._scopes) else 1

        self.tries.fork(run, status)
        os.close(output)
        os.close(messages)


def main(argv: list[str]) -> int:
    """Serve the workflow server ``argv[2]`` on the socket ``argv[1]``; ``argv[3]``: whether tries get domains."""
    link, parent = socket.socket(fileno=int(argv[1])), int(argv[2])
    privileges.set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent:
        return 1  # the server ended before the signal was armed
    privileges.forbid_tracing()  # the exec made this process dumpable again
    scopes = landlock.Ruleset(landlock.SCOPES_ABI, tcp=False, scopes=landlock.SCOPE_SIGNAL, fs=False) \
        if argv[3] == "1" else None
    launcher = Launcher(link, scopes)
    link.sendall(READY)
    return launcher.serve()


if __name__ == "__main__":  # pragma: no cover - started by a workflow server
    sys.exit(main(sys.argv))
