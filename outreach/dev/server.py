"""`outreach dev`: embedded Redis, web app, worker and scheduler as one process tree."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from outreach.runtime.redis_embedded import ensure_embedded_redis, stop_embedded_redis

POLL_SECONDS = 0.2
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
CHILDREN = ("web", "worker", "scheduler")
PR_SET_PDEATHSIG = 1  #: <linux/prctl.h>


class DevServerError(Exception):
    """`outreach dev` cannot start (a busy port, a Redis that does not come up…)."""


class DevServer:
    """Starts Redis and the children, watches them, stops them all on a signal or a death."""

    def __init__(
        self,
        instance_path: Path,
        host: str = "127.0.0.1",
        port: int = 5000,
        redis_url: str | None = None,
        env: Mapping[str, str] | None = None,
        echo: Callable[[str], None] = print,
        banner: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.instance_path = instance_path
        self.host, self.port = host, port
        self.redis_url = redis_url  #: the configured REDIS_URL; None starts the embedded one
        self.env = dict(os.environ if env is None else env)
        self.echo = echo
        self.banner = banner or (lambda base_url: [])
        self.procs: dict[str, subprocess.Popen] = {}
        self.redis_proc: subprocess.Popen | None = None
        self._embedded_url: str | None = None
        self._stop_signal: int | None = None
        self.mail_server = None  #: the local SMTP server, when SMTP_URL is not set

    @property
    def base_url(self) -> str:
        """Where the web app answers (on this machine)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def run(self) -> int:
        """Run until SIGINT/SIGTERM/SIGHUP (0) or until a process dies (1); then stop all."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        try:
            self._start()
            if self._wait_until_ready():
                for line in self.banner(self.base_url):
                    self.echo(line)
            return self._watch()
        except DevServerError as exc:
            self.echo(f"outreach dev: {exc}")
            return 1
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame) -> None:
        self._stop_signal = signum

    def _start(self) -> None:
        check_port_free(self.host, self.port)
        env = {
            **self.env,
            "REDIS_URL": self._start_redis(),
            "OUTREACH_INSTANCE_PATH": str(self.instance_path),
            "PYTHONUNBUFFERED": "1",
        }
        if not env.get("PUBLIC_BASE_URL"):
            env["PUBLIC_BASE_URL"] = self.base_url
        if not env.get("SMTP_URL"):
            env.update(self._start_mail(env))
        for name in CHILDREN:
            if self._stop_signal is not None:
                break
            self.procs[name] = subprocess.Popen(
                self._command(name), env=env, process_group=0, preexec_fn=_die_with_parent()
            )
        pids = [f"{name}={proc.pid}" for name, proc in self.procs.items()]
        if self.redis_proc is not None:
            pids.insert(0, f"redis={self.redis_proc.pid}")
        self.echo("outreach dev: started " + " ".join(pids))

    def _command(self, name: str) -> list[str]:
        command = [sys.executable, "-m", "outreach"]
        if name == "web":
            flags = ["--no-debug", "--no-reload", "--no-debugger"]
            return [*command, "run", "--host", self.host, "--port", str(self.port), *flags]
        return [*command, name]

    def _start_redis(self) -> str:
        if self.redis_url:
            self.echo("outreach dev: using REDIS_URL from the environment")
            return self.redis_url
        directory = self.instance_path / "redis"
        try:
            with _sigint_blocked():  # inherited: a terminal's Ctrl-C reaches us, not Redis
                url, self.redis_proc = ensure_embedded_redis(directory, daemonize=False)
        except RuntimeError as exc:
            raise DevServerError(str(exc)) from None
        self._embedded_url = url
        if self.redis_proc is None:
            self.echo(f"outreach dev: adopting the embedded Redis already running in {directory}")
        return url

    def _start_mail(self, env: Mapping[str, str]) -> dict[str, str]:
        """The local SMTP server (aiosmtpd, in a thread) that keeps every e-mail in the
        instance's Maildir for the simulator's inboxes; the children's SMTP settings."""
        from outreach.dev.mailserver import DEMO_FROM, MailHandler, demo_maildir, start_mail_server

        self.mail_server, _ = start_mail_server(MailHandler(demo_maildir(self.instance_path)))
        url = f"smtp://{self.mail_server.hostname}:{self.mail_server.port}"
        self.echo(f"outreach dev: e-mail goes to the local SMTP server at {url}")
        return {"SMTP_URL": url, "OUTREACH_EMAIL_FROM": env.get("OUTREACH_EMAIL_FROM") or DEMO_FROM}

    def _wait_until_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT
        while self._stop_signal is None:
            dead = self._dead()
            if dead is not None:
                raise DevServerError(f"{dead} before the app was ready; stopping the others")
            if health_ok(self.base_url):
                return True
            if time.monotonic() > deadline:
                raise DevServerError(f"{self.base_url}/healthz did not answer 200 in time")
            time.sleep(POLL_SECONDS)
        return False

    def _watch(self) -> int:
        while self._stop_signal is None:
            dead = self._dead()
            if dead is not None:
                self.echo(f"outreach dev: {dead}; stopping the others")
                return 1
            time.sleep(POLL_SECONDS)
        self.echo(f"outreach dev: {signal.Signals(self._stop_signal).name} received; stopping")
        return 0

    def _dead(self) -> str | None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                return f"the {name} process exited with code {proc.returncode}"
        if self.redis_proc is not None and self.redis_proc.poll() is not None:
            return f"the embedded Redis exited with code {self.redis_proc.returncode}"
        return None

    def _stop_all(self) -> None:
        for proc in self.procs.values():
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.echo(f"outreach dev: the {name} process did not stop in time; killing it")
            _signal_group(proc.pid, signal.SIGKILL)  # it, or anything it left in its group
            proc.wait()
        self._stop_redis()
        if self.mail_server is not None:
            self.mail_server.stop()
            self.mail_server = None
        if self.procs or self._embedded_url:
            self.echo("outreach dev: stopped")

    def _stop_redis(self) -> None:
        if self._embedded_url is None:
            return
        if self.redis_proc is None:
            stop_embedded_redis(self._embedded_url)
            return
        self.redis_proc.terminate()
        try:
            self.redis_proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.redis_proc.kill()
            self.redis_proc.wait()


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a pre-exec hook that has the child get SIGTERM when this process dies, even
    by SIGKILL (PR_SET_PDEATHSIG); elsewhere None."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return hook


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def check_port_free(host: str, port: int) -> None:
    """Raise DevServerError when host:port cannot be bound (another server uses it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise DevServerError(
                    f"port {port} on {host} is in use; stop what uses it or pass --port"
                ) from None
            raise DevServerError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def health_ok(base_url: str) -> bool:
    """True when GET /healthz answers 200."""
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _banner_lines(app, base_url: str) -> list[str]:
    """The URLs that exist in this app and, when seeded, the demo logins."""
    from outreach.dev.demo import demo_data_present, login_lines

    pages = [
        ("/", "home: what to try"),
        ("/login", "sign in"),
        ("/rep", "a rep's day"),
        ("/admin", "admin and manager pages"),
        ("/simulator", "phone simulator: reply as a customer"),
        ("/api/v1/openapi.json", "REST API description"),
        ("/healthz", "health"),
    ]
    routes = {rule.rule.rstrip("/") or "/" for rule in app.url_map.iter_rules()}
    lines = ["", f"Outreach is running at {base_url}/"]
    lines += [f"  {base_url}{path:<22} {what}" for path, what in pages if path in routes]
    try:
        with app.app_context():
            seeded = demo_data_present()
    except SQLAlchemyError:
        lines.append("The database is not ready: run `outreach db upgrade`, `outreach seed-demo`.")
    else:
        if seeded:
            lines += ["Demo logins:", *login_lines()]
        else:
            lines.append("No demo data yet: run `outreach seed-demo` for the demo logins.")
    lines += ["Press Ctrl-C to stop everything.", ""]
    return lines


def run_dev(app, host: str, port: int) -> int:
    """Run the demo process tree for `app`'s instance until Ctrl-C; return the exit status."""
    settings = app.extensions["settings"]
    server = DevServer(
        Path(app.instance_path),
        host=host,
        port=port,
        redis_url=settings.redis_url,
        echo=lambda line: print(line, flush=True),
        banner=lambda base_url: _banner_lines(app, base_url),
    )
    return server.run()
