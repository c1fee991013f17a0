"""Running the event bus's own Redis server on one machine (``notification server start``).

The server binds to one address (loopback by default), requires a password
generated once and kept in the home directory (mode 0600), persists with an
append-only file under ``<home>/data``, and writes a pid file and a log under
``<home>/logs``.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import redis

from aiflow.errors import ConflictError, TransientError
from aiflow.file_modes import PRIVATE_FILE, PRIVATE_UMASK, private_folder
from aiflow.launcher.host import PidFile, port_in_use, wait_for_exit
from aiflow.launcher.supervisor import last_log_line
from notification.config import PASSWORD_FILE
from notification.connection import connect
from notification.redis_binary import find_redis_binary

STARTED_MESSAGE = "notification server started."


@dataclass(frozen=True)
class EmbeddedServer:
    """A Redis server whose files live in ``home``."""

    home: Path
    port: int
    bind_address: str = "127.0.0.1"
    appendfsync: str = "everysec"
    binary: str | None = None

    @property
    def pid_file(self) -> Path:
        return self.home / "notification_server.pid"

    @property
    def password_file(self) -> Path:
        return self.home / PASSWORD_FILE

    @property
    def url(self) -> str:
        """The URL clients use, password included."""
        return f"redis://:{self.password()}@{self.bind_address}:{self.port}/0"

    def password(self) -> str:
        """Return the server's password, generating and storing it (mode 0600) the first time."""
        if not self.password_file.exists():
            private_folder(self.home)
            fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(secrets.token_urlsafe(32))
        return self.password_file.read_text(encoding="utf-8").strip()

    def running_pid(self) -> int | None:
        """Return the pid of the running server, or None (a stale pid file is removed)."""
        return PidFile(self.pid_file).running_pid()

    def start(self, daemon: bool, timeout: float) -> subprocess.Popen[bytes] | None:
        """Start the server and wait until it answers.

        With ``daemon`` Redis detaches and None is returned; otherwise the
        foreground process is returned for the caller to wait on.

        Raises:
            ConflictError: the server is already running.
            TransientError: it did not answer within ``timeout`` seconds.
        """
        self._check_free()
        log_file = self._new_log_file()
        conf = self._write_conf(daemon, log_file)
        process = subprocess.Popen([find_redis_binary(self.binary), str(conf)], stdin=subprocess.DEVNULL,
                                   umask=PRIVATE_UMASK)  # its append-only files and log are private too
        try:
            self._wait_until_ready(process, daemon, log_file, timeout)
        except BaseException:
            _terminate(process)
            self.stop()
            raise
        with log_file.open("a", encoding="utf-8") as log:
            log.write(f"{STARTED_MESSAGE}\n")
        return None if daemon else process

    def foreground_command(self) -> list[str]:
        """Check as :meth:`start` does and write a fresh configuration; return the command that runs Redis.

        A supervisor runs the command itself (as often as it restarts it), so no process of ours
        stands between it and Redis; Redis logs to its standard output, which the supervisor keeps.

        Raises:
            ConflictError: the server is already running, or its port is taken.
        """
        self._check_free()
        return [find_redis_binary(self.binary), str(self._write_conf(False, None))]

    def _check_free(self) -> None:
        pid = self.running_pid()
        if pid is not None:
            raise ConflictError(f"notification server is already running (pid {pid})")
        if port_in_use(self.bind_address, self.port):
            raise ConflictError(f"port {self.port} on {self.bind_address} is already in use by another program")

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stop the running server (SIGTERM, then SIGKILL); return its pid, or None if none ran."""
        pid = self.running_pid()
        if pid is None:
            return None
        os.kill(pid, signal.SIGTERM)
        if not wait_for_exit(pid, timeout):
            os.kill(pid, signal.SIGKILL)
            wait_for_exit(pid, timeout)
        self.pid_file.unlink(missing_ok=True)
        return pid

    def _new_log_file(self) -> Path:
        logs = private_folder(self.home / "logs")
        return logs / f"notification_server-{datetime.now():%Y%m%d-%H%M%S}.log"

    def _write_conf(self, daemon: bool, log_file: Path | None) -> Path:
        data = private_folder(self.home / "data")
        lines = [
            f"bind {self.bind_address}",
            f"port {self.port}",
            f"requirepass {self.password()}",
            f"dir {data}",
            "appendonly yes",
            f"appendfsync {self.appendfsync}",
            'save ""',
            f"pidfile {self.pid_file}",
            f"logfile {log_file}" if log_file else 'logfile ""',  # "": standard output
            f"daemonize {'yes' if daemon else 'no'}",
        ]
        conf = self.home / "redis.conf"
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
        return conf

    def _wait_until_ready(
        self, process: subprocess.Popen[bytes], daemon: bool, log_file: Path, timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        client = connect(self.url, retries=0, socket_connect_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                exited = process.poll()
                if exited is not None and (not daemon or exited != 0):
                    raise TransientError(f"notification server exited: {last_log_line(log_file)}")
                try:  # a daemon is ready once the process that detached it has exited (and is reaped)
                    if client.ping() and (not daemon or (exited == 0 and self.running_pid())):
                        return
                except (redis.ConnectionError, redis.TimeoutError):
                    pass
                time.sleep(0.02)  # polling a process that is starting; no event to wait on
        finally:
            client.close()
        raise TransientError(f"notification server did not answer within {timeout}s; see {log_file}")


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(10)
