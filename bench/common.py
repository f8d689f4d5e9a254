"""What the benchmarks share: the dedicated database, the app under gunicorn, timed HTTP requests, memory.

Only local traffic (127.0.0.1); every wait is bounded.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def sqlalchemy_url(url: str) -> str:
    """The SQLAlchemy form of a PostgreSQL URL (psycopg 3 driver); other URLs unchanged."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def libpq_url(url: str) -> str:
    """The libpq form of a PostgreSQL URL (for psycopg.connect)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ensure_database(url: str, drop: bool = False) -> bool:
    """Create the dedicated PostgreSQL database (dropped first when `drop`); whether it was created now."""
    import psycopg

    url = libpq_url(url)
    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and drop:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            return True
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(
    port: int,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict | None = None,
    timeout: float = 120.0,
) -> tuple[int, bytes, dict, float]:
    """One request on a new connection: (status, body, headers, seconds). Timeouts raise OSError."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, data, {k.lower(): v for k, v in response.getheaders()}, time.perf_counter() - t0
    finally:
        conn.close()


def get(port: int, path: str, timeout: float = 120.0) -> tuple[int, int, float]:
    """One GET on a new connection: (status, body bytes, seconds)."""
    status, body, _headers, seconds = request(port, path, timeout=timeout)
    return status, len(body), seconds


def children(pid: int) -> list[int]:
    """The process ids whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def rss_mib(parent: int) -> float:
    """Largest resident memory (MiB) among the worker processes of `parent` (Linux /proc)."""
    largest = 0
    for pid in children(parent):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        largest = max(largest, int(fields.get("VmRSS", "0 kB").split()[0]))
    return largest / 1024


class RssSampler:
    """Samples the largest worker RSS of a gunicorn master every `every` seconds while in a `with` block."""

    def __init__(self, parent: int, every: float = 0.2) -> None:
        self.parent, self.every, self.peak, self.before = parent, every, 0.0, 0.0
        self._stop = threading.Event()

    def __enter__(self) -> RssSampler:
        self.before = self.peak = rss_mib(self.parent)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, rss_mib(self.parent))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib(self.parent))


def wait_ready(port: int, deadline: float, path: str = "/healthz") -> None:
    while time.monotonic() < deadline:
        try:
            if get(port, path, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not become ready")


class Gunicorn:
    """The app under gunicorn on 127.0.0.1 (sync workers, like production), stopped on exit."""

    def __init__(
        self,
        app: str,
        env: dict,
        workers: int = 2,
        timeout: int = 60,
        pythonpath: str | None = None,
        cwd: Path = ROOT,
    ) -> None:
        self.port = free_port()
        self.app, self.workers, self.timeout = app, workers, timeout
        self.env = {**os.environ, **env, "BASE_URL": env.get("BASE_URL") or f"http://127.0.0.1:{self.port}"}
        self.pythonpath, self.cwd = pythonpath, cwd  # cwd: the checkout whose app is served

    def __enter__(self) -> Gunicorn:
        command = [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--timeout",
            str(self.timeout),
            "--log-level",
            "warning",
        ]
        if self.pythonpath:
            command += ["--pythonpath", self.pythonpath]
        self.process = subprocess.Popen([*command, self.app], cwd=self.cwd, env=self.env, start_new_session=True)
        try:
            wait_ready(self.port, time.monotonic() + 90)
            self.wait_settled(time.monotonic() + 30)
        except BaseException:
            self.__exit__()
            raise
        return self

    def wait_settled(self, deadline: float, window: float = 0.5) -> None:
        """Wait until every worker has started (the master's children use no CPU for `window` seconds):
        the first worker answers while the others may still be starting, and a measurement must not
        share the machine with them."""

        def busy() -> float:
            total = 0
            for pid in children(self.process.pid):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
            return total

        last = busy()
        while time.monotonic() < deadline:
            time.sleep(window)
            now = busy()
            if now == last and len(children(self.process.pid)) >= self.workers:
                return
            last = now

    @property
    def pid(self) -> int:
        return self.process.pid

    def __exit__(self, *exc) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def run_measured(
    command: list[str], *, env: dict | None = None, timeout: float = 600.0, cwd: Path = ROOT
) -> tuple[int | None, float, float, str]:
    """Run a command bounded by `timeout`: (exit code or None when killed, seconds, peak RSS MiB, output tail)."""
    t0 = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    killer = threading.Timer(timeout, lambda: os.killpg(process.pid, signal.SIGKILL))
    killer.start()
    try:
        _pid, status, usage = os.wait4(process.pid, 0)
    finally:
        killer.cancel()
    seconds = time.perf_counter() - t0
    reader.join(timeout=5)
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    tail = b"".join(output).decode("utf-8", "replace")[-2000:]
    return (None if code == -signal.SIGKILL else code), seconds, usage.ru_maxrss / 1024, tail


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def python() -> str:
    return str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
