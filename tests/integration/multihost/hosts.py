"""Hosts on this machine: network namespaces joined to one bridge by veth pairs.

:class:`Network` builds them and removes them again. Each :class:`Host` is a namespace with its
loopback up and one interface (``eth0``) on a private /24 whose ``.1`` is the bridge, in this
machine's own namespace, so the test process reaches every host and every host reaches the
others. Every name carries the test process's pid, so runs side by side do not meet; the subnet
is the first ``10.213.N.0/24`` no interface of this machine uses yet.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.support import wait_until

SUBNET_PREFIX = "10.213"
INTERFACE = "eth0"
"""The name of each host's own end of its veth pair, inside its namespace."""


def ip(*args: str) -> str:
    """Run ``ip ARGS``; return its output.

    Raises:
        RuntimeError: it failed; the message holds the command and what it printed.
    """
    result = subprocess.run(["ip", *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode:
        raise RuntimeError(f"ip {' '.join(args)}: {(result.stderr or result.stdout).strip()}")
    return result.stdout


def unavailable_reason() -> str | None:
    """Why network namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "no 'ip' command (install iproute2)"
    probe = f"aiflow-probe-{os.getpid()}"
    try:
        ip("netns", "add", probe)
    except RuntimeError as exc:
        return f"cannot make a network namespace: {exc}"
    ip("netns", "del", probe)
    return None


@dataclass(frozen=True)
class Host:
    """One host: a network namespace, its address, the end of its link on the bridge, its own folder."""

    name: str
    namespace: str
    address: str
    link: str
    folder: Path

    def command(self, argv: Sequence[str]) -> list[str]:
        """The argv that runs ``argv`` on this host (inside its namespace)."""
        return ["ip", "netns", "exec", self.namespace, *argv]

    def pids(self) -> list[int]:
        """The processes running on this host."""
        return [int(pid) for pid in ip("netns", "pids", self.namespace).split()]

    def kill_everything(self) -> None:
        """SIGKILL every process on the host until none is left (a dying parent may still fork)."""
        def killed() -> bool:
            pids = self.pids()
            for pid in pids:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            return not pids

        wait_until(killed, timeout=10, interval=0.05, message=f"every process of host {self.name} to die")

    def unplug(self) -> None:
        """Take the host's link to the bridge down: nothing reaches it, nothing leaves it."""
        ip("link", "set", self.link, "down")


class Network(AbstractContextManager["Network"]):
    """Hosts named ``names``, each with a folder of its own in ``folder``, on one bridge.

    As a context manager it builds them on entry and, on exit, kills whatever still runs on
    them and removes every namespace, link and the bridge, also after a failure halfway.
    """

    def __init__(self, folder: Path, names: Iterable[str]) -> None:
        tag = f"mh{os.getpid()}"  # interface names have at most 15 characters
        self.bridge = f"{tag}br"
        self.subnet = f"{SUBNET_PREFIX}.{_free_third_octet(os.getpid())}"
        self.gateway = f"{self.subnet}.1"
        self.hosts = {name: Host(name, f"aiflow-{tag}-{name}", f"{self.subnet}.{number}", f"{tag}{name}",
                                 folder / name)
                      for number, name in enumerate(names, start=2)}
        self._made: list[tuple[str, ...]] = []  # the ip commands that undo what was made, newest last

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def __enter__(self) -> Network:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _build(self) -> None:
        ip("link", "add", self.bridge, "type", "bridge")
        self._made.append(("link", "del", self.bridge))
        ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        for host in self.hosts.values():
            host.folder.mkdir(parents=True)
            ip("netns", "add", host.namespace)
            self._made.append(("netns", "del", host.namespace))
            ip("link", "add", host.link, "type", "veth", "peer", "name", INTERFACE, "netns", host.namespace)
            self._made.append(("link", "del", host.link))  # at once; a namespace's links go later
            ip("link", "set", host.link, "master", self.bridge, "up")
            ip("-n", host.namespace, "addr", "add", f"{host.address}/24", "dev", INTERFACE)
            ip("-n", host.namespace, "link", "set", INTERFACE, "up")
            ip("-n", host.namespace, "link", "set", "lo", "up")

    def close(self) -> None:
        """Kill what runs on the hosts, then remove what was made, newest first; raise if any of it stays."""
        for host in self.hosts.values():
            with suppress(RuntimeError):  # its namespace may not have been made
                host.kill_everything()
        failures = []
        while self._made:
            undo = self._made.pop()
            try:
                ip(*undo)
            except RuntimeError as exc:
                failures.append(str(exc))
        left = self.leftovers()
        if left:
            raise RuntimeError(f"could not remove {left}: {failures}")

    def leftovers(self) -> list[str]:
        """The namespaces and links of this network that still exist."""
        namespaces = {line.split()[0] for line in ip("netns", "list").splitlines() if line.strip()}
        links = {line.split()[0].split("@")[0] for line in ip("-br", "link").splitlines() if line.strip()}
        ours = {self.bridge} | {name for host in self.hosts.values() for name in (host.namespace, host.link)}
        return sorted(ours & (namespaces | links))


def _free_third_octet(seed: int) -> int:
    """A third octet ``N`` from ``seed`` such that no address of this machine is in ``10.213.N.0/24``."""
    used = ip("-4", "-o", "addr", "show")
    for step in range(250):
        octet = (seed + step) % 250 + 1
        if f" {SUBNET_PREFIX}.{octet}." not in used:
            return octet
    raise RuntimeError(f"every subnet {SUBNET_PREFIX}.N.0/24 is in use")
