"""`outreach dev`: one process tree that starts together and stops together."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 90.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _live_members(pgids: set[int]) -> list[str]:
    """Processes (not zombies) in any of the process groups, as "pid state cmd" strings."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        head, _, tail = text.rpartition(")")
        state, _ppid, pgrp = tail.split()[:3]
        if int(pgrp) in pgids and state != "Z":
            found.append(f"{stat.parent.name} {state} {head.partition('(')[2]}")
    return found


class Dev:
    """An `outreach dev` subprocess in its own session, its output in a file."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.port, self.log = port, log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "outreach", "dev", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait_ready(self) -> dict[str, int]:
        """Poll until /healthz is 200 and the banner is out; return the printed pids by name."""
        deadline = time.monotonic() + DEADLINE
        while "Press Ctrl-C to stop everything." not in self.output() or not _healthy(self.port):
            assert self.proc.poll() is None, f"outreach dev exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"no healthy /healthz:\n{self.output()}"
            time.sleep(0.1)
        started = re.search(r"outreach dev: started (.*)", self.output())
        assert started, self.output()
        return {k: int(v) for k, v in (p.split("=") for p in started.group(1).split())}

    def wait_exit(self) -> int:
        try:
            return self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            pytest.fail(f"outreach dev did not exit:\n{self.output()}")

    def groups(self, pids: dict[str, int]) -> set[int]:
        return {self.proc.pid, *pids.values()}


@pytest.fixture
def dev_env(app_env, tmp_path):
    """The environment of an `outreach dev` run on the test database, in a short instance dir."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(app_env)
    env["OUTREACH_INSTANCE_PATH"] = str(tmp_path / "i")
    return env


@pytest.fixture
def start_dev(dev_env, tmp_path):
    """Start `outreach dev` on a free port; kill whatever is left at the end of the test."""
    started: list[Dev] = []

    def _start(without_redis_url: bool = False) -> Dev:
        env = dict(dev_env)
        if without_redis_url:
            env.pop("REDIS_URL")
        dev = Dev(env, _free_port(), tmp_path / f"dev{len(started)}.log")
        started.append(dev)
        return dev

    yield _start
    for dev in started:
        printed = re.search(r"outreach dev: started (.*)", dev.output())
        pids = [int(p.split("=")[1]) for p in printed.group(1).split()] if printed else []
        for pgid in [dev.proc.pid, *pids]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        dev.proc.wait()


@pytest.mark.slow
def test_ctrl_c_stops_web_worker_scheduler_and_the_embedded_redis(start_dev, dev_env):
    dev = start_dev(without_redis_url=True)
    pids = dev.wait_ready()
    assert set(pids) == {"redis", "web", "worker", "scheduler"}
    socket_path = Path(dev_env["OUTREACH_INSTANCE_PATH"]) / "redis" / "redis.sock"
    assert socket_path.exists()
    assert len(_live_members(dev.groups(pids))) >= 5
    assert f"Outreach is running at http://127.0.0.1:{dev.port}/" in dev.output()

    os.killpg(dev.proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does

    assert dev.wait_exit() == 0
    assert _live_members(dev.groups(pids)) == []
    assert not socket_path.exists()
    assert "outreach dev: SIGINT received; stopping" in dev.output()
    assert not _healthy(dev.port)


@pytest.mark.slow
def test_when_a_child_dies_the_others_are_stopped_with_a_message(start_dev):
    dev = start_dev()
    pids = dev.wait_ready()
    assert "redis" not in pids  # REDIS_URL is set: no embedded Redis

    os.kill(pids["worker"], signal.SIGKILL)

    assert dev.wait_exit() == 1
    assert "outreach dev: the worker process exited with code -9; stopping the others" in (
        dev.output()
    )
    assert _live_members(dev.groups(pids)) == []


def test_a_port_in_use_is_refused_before_anything_starts(dev_env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "outreach", "dev", "--port", str(port)],
            env=dev_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.stdout
    assert "started" not in result.stdout
