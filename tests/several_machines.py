"""Several machines on one: Linux network namespaces joined by a bridge, each a "host" with its
own address, reaching PostgreSQL and Redis over that network; wall clocks moved minutes off by
tests/tools/skewclock.c (an LD_PRELOAD library); a host cut off from Redis by the relay that
carries its traffic.

PostgreSQL and Redis listen on loopback only, so the host side of the bridge runs a TCP relay
(`Relay`) in front of each: a host's connections cross its veth pair and the bridge, then the
relay. The relay can *partition* one host from one service: it stops carrying bytes either
way for that host (its connections stay open and hang, new ones are accepted and hang too, as
on a network that drops packets), and carries on at `heal`, as TCP does after an outage.

Needs root (network namespaces), iproute2 and a C compiler.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

SKEWCLOCK_SOURCE = Path(__file__).resolve().parent / "tools" / "skewclock.c"


@functools.cache
def skewclock_lib() -> str:
    """tests/tools/skewclock.c built into a shared library (once per process); its path."""
    out = Path(tempfile.mkdtemp(prefix="skewclock-")) / "skewclock.so"
    compiler = shutil.which("cc") or shutil.which("gcc")
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O2", "-o", str(out), str(SKEWCLOCK_SOURCE), "-ldl"],
        check=True,
        capture_output=True,
    )
    return str(out)


def missing() -> str | None:
    """What this machine lacks to run several hosts, in one line; None when it has it all."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        return "a C compiler is needed to build tests/tools/skewclock.c"
    probe = f"ohp{secrets.token_hex(3)}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], check=False)
    return None


def _ip(*args: str, netns: str | None = None) -> None:
    command = ["ip", *(["netns", "exec", netns, "ip"] if netns else []), *args]
    subprocess.run(command, check=True, capture_output=True, text=True)


@dataclass
class Host:
    """One machine: a network namespace with one address on the bridge and its own clock."""

    name: str
    netns: str
    address: str
    clock_offset: int = 0  #: seconds this host's clock is ahead (negative: behind)

    def command(self, argv: list[str]) -> list[str]:
        """argv run on this host: in its namespace, with its clock."""
        prefix = ["ip", "netns", "exec", self.netns, "env"]
        if self.clock_offset:
            prefix += [f"LD_PRELOAD={skewclock_lib()}", f"SKEWCLOCK_SECONDS={self.clock_offset}"]
        return prefix + argv

    def run(self, argv: list[str]) -> str:
        """Run argv on this host to completion; its output."""
        done = subprocess.run(self.command(argv), capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout


@dataclass
class Network:
    """A bridge in the test's namespace (the "server room": PostgreSQL, Redis, Twilio's fake)
    and hosts hanging off it, each in its own namespace. Use as a context manager."""

    prefix: str = field(default_factory=lambda: f"oh{secrets.token_hex(2)}")
    hosts: dict[str, Host] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.subnet = f"10.{200 + secrets.randbelow(50)}.{secrets.randbelow(250)}"
        self.gateway = f"{self.subnet}.1"
        self.bridge = f"{self.prefix}br"

    def __enter__(self) -> Network:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        return self

    def add_host(self, name: str, clock_offset: int = 0) -> Host:
        """A new host on the bridge, with its clock `clock_offset` seconds off."""
        index = len(self.hosts) + 10
        netns = f"{self.prefix}-{name}"
        outside, inside = f"{self.prefix}v{index}", f"{self.prefix}h{index}"
        host = Host(name, netns, f"{self.subnet}.{index}", clock_offset)
        _ip("netns", "add", netns)
        self.hosts[name] = host
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", netns)
        _ip("link", "set", outside, "master", self.bridge, "up")
        _ip("addr", "add", f"{host.address}/24", "dev", inside, netns=netns)
        _ip("link", "set", inside, "up", netns=netns)
        _ip("link", "set", "lo", "up", netns=netns)
        return host

    def __exit__(self, *exc) -> None:
        for host in self.hosts.values():
            subprocess.run(["ip", "netns", "pids", host.netns], capture_output=True)
            subprocess.run(["ip", "netns", "del", host.netns], check=False, capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], check=False, capture_output=True)


class Relay:
    """TCP relays listening on the bridge's address, each in front of a loopback service, that
    can cut one host off from one service and heal it again. Runs an asyncio loop in a thread."""

    def __init__(self, listen_host: str) -> None:
        self.listen_host = listen_host
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.servers: list[asyncio.base_events.Server] = []
        self.open: dict[tuple[str, int], asyncio.Event] = {}  #: (host address, port) -> open

    def forward(self, listen_port: int, target_port: int, target_host: str = "127.0.0.1") -> int:
        """Relay listen_host:listen_port (0: any free port) to target; returns the port."""

        async def start() -> int:
            server = await asyncio.start_server(
                lambda r, w: self._client(r, w, target_host, target_port),
                self.listen_host,
                listen_port,
            )
            self.servers.append(server)
            return server.sockets[0].getsockname()[1]

        port = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        return port

    def _gate(self, address: str, port: int) -> asyncio.Event:
        gate = self.open.get((address, port))
        if gate is None:
            gate = self.open[(address, port)] = asyncio.Event()
            gate.set()
        return gate

    async def _client(self, reader, writer, target_host, target_port) -> None:
        address = writer.get_extra_info("peername")[0]
        gate = self._gate(address, writer.get_extra_info("sockname")[1])
        await gate.wait()  # a cut-off host's new connection hangs until healed
        try:
            up_reader, up_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            writer.close()
            return

        async def pump(source, sink) -> None:
            try:
                while data := await source.read(65536):
                    await gate.wait()  # bytes wait while the host is cut off
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    def partition(self, address: str, port: int) -> None:
        """Cut the host at `address` off from the service relayed on `port`."""
        self.loop.call_soon_threadsafe(self._gate(address, port).clear)

    def heal(self, address: str, port: int) -> None:
        """Reconnect it: held bytes and connections go on."""
        self.loop.call_soon_threadsafe(self._gate(address, port).set)

    def close(self) -> None:
        async def stop() -> None:
            for gate in self.open.values():
                gate.set()
            for server in self.servers:
                server.close()
            for task in asyncio.all_tasks() - {asyncio.current_task()}:
                task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
