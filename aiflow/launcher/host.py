"""What runs on this host: pid files, processes we hold no handle on, ports in use."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

#: How often a foreign process is checked while waiting for it (there is no handle to wait on).
POLL_INTERVAL_S = 0.02


def alive(pid: int) -> bool:
    """Return whether process ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``pid`` to end; return whether it did."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_INTERVAL_S)
    return True


def port_in_use(address: str, port: int) -> bool:
    """Return whether something accepts connections on ``address:port``."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((address, port)) == 0


class PidFile:
    """A file holding the pid of a running process; a stale file is ignored and removed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def running_pid(self) -> int | None:
        """Return the pid the file names if that process is alive, else None."""
        try:
            pid = int(self.path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None
        if alive(pid):
            return pid
        self.path.unlink(missing_ok=True)
        return None

    def write(self, pid: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"{pid}\n", encoding="utf-8")

    def remove(self, pid: int) -> None:
        """Remove the file if it still names ``pid`` (a successor's file is left alone)."""
        try:
            if int(self.path.read_text(encoding="utf-8").strip()) == pid:
                self.path.unlink()
        except (OSError, ValueError):
            pass


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False
