"""Start real server processes for tests, wait for them without fixed sleeps, always stop them.

Each process gets its own process group (so gunicorn's and Celery's children die with it) and a log
file; `ProcessGroup.report()` is what a failing test prints.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(overrides: Mapping[str, str | None]) -> dict[str, str]:
    """This process's environment with the venv first on PATH; a None override removes a variable."""
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONUNBUFFERED="1")
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def http_get(url: str, headers: Mapping[str, str] | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class ProcessGroup:
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: Sequence[str], *, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            list(argv),
            cwd=REPO,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()  # the child holds its own descriptor
        self.processes[name] = process
        return process

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}\n{self.report()}")

    def wait_for(self, what: str, probe: Callable[[], T | None], *, timeout: float = 60.0) -> T:
        """Poll `probe` until it returns something truthy; fail with every log if it never does."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                result = probe()
            except (OSError, urllib.error.URLError) as error:  # not listening yet
                last_error, result = error, None
            if result:
                return result
            time.sleep(0.25)
        raise AssertionError(
            f"timed out after {timeout:.0f} s waiting for {what} ({last_error})\n{self.report()}"
        )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for process in self.processes.values():  # children a parent left behind
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def report(self) -> str:
        parts = []
        for name in self.processes:
            text = (self.log_dir / f"{name}.log").read_text(errors="replace")
            parts.append(f"----- {name} (last 200 lines) -----\n" + "\n".join(text.splitlines()[-200:]))
        return "\n".join(parts)
