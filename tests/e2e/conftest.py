"""Real parts for end-to-end and fault tests: an SMTP server (aiosmtpd), a redis-server and
`celery worker` processes, each on a spare loopback port and stopped by PID, so the machine's
shared services are never touched. The worker uses the test database (PostgreSQL: the data a
transactional test commits is what it reads).
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

import pytest
from django.db import connection
from time_machine import escape_hatch

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(autouse=True)
def real_services_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the end-to-end tests on PostgreSQL")
        pytest.skip("a separate worker process needs a shared PostgreSQL database")
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not installed")


# ---- SMTP -------------------------------------------------------------------------------------

@dataclass
class Mailbox:
    """What the SMTP server accepted, and how it should misbehave."""

    messages: list = field(default_factory=list)
    port: int = 0
    refuse: int = 0  # answer this many DATA commands with a temporary failure
    refuse_forever: bool = False
    stall_first_rcpt: float = 0.0  # hold the first RCPT TO this many seconds (a slow server)
    rcpt_seen: int = 0

    def recipients(self) -> list[str]:
        return [addr for msg in self.messages for addr in msg["to"]]

    def message_ids(self) -> list[str]:
        return [msg["email"]["Message-ID"] for msg in self.messages]


class _Handler:
    def __init__(self, box: Mailbox):
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.box.rcpt_seen += 1
        if self.box.stall_first_rcpt and self.box.rcpt_seen == 1:
            await asyncio.sleep(self.box.stall_first_rcpt)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.box.refuse_forever:
            return "451 4.3.0 try again later"
        if self.box.refuse > 0:
            self.box.refuse -= 1
            return "451 4.3.0 try again later"
        self.box.messages.append({
            "from": envelope.mail_from, "to": list(envelope.rcpt_tos),
            "email": message_from_bytes(envelope.content),
        })
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    box.port = port
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=port)
    controller.start()
    yield box
    controller.stop()


# ---- Redis ------------------------------------------------------------------------------------

@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 15, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server():
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


# ---- Celery -----------------------------------------------------------------------------------

@dataclass
class Worker:
    env: dict
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "e2e" / "clocked_celery.py"), "-A", "config",
             "worker", "--pool", "solo",
             "--loglevel", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )
        wait_until(lambda: b"ready." in self.log.read_bytes(), 60, what="celery worker ready")

    def kill(self) -> None:
        """kill -9: no clean shutdown, no acknowledgement, as a crash would be."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ran(self, *results) -> bool:
        """Whether the worker has finished these sent tasks (Celery logs each success with
        its id): what a test waits on instead of sleeping."""
        done = [line for line in self.output().splitlines() if "succeeded" in line]
        return all(any(r.id in line for line in done) for r in results)


def worker_env(*, broker_url: str, smtp_port: int, **extra) -> dict:
    """The worker's environment: the test database, this broker, this SMTP server."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "DEBUG": "0",
        "SECRET_KEY": "e2e-test-key",
        "PYTHONPATH": str(ROOT),
        # The worker's clock runs as this process's does (moved by --clock or a test).
        "DUBAN_TEST_CLOCK_OFFSET": str(time.time() - escape_hatch.time.time()
                                       if escape_hatch.is_travelling() else 0),
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def start_worker(tmp_path):
    workers: list[Worker] = []

    def start(env: dict) -> Worker:
        worker = Worker(env=env, log=tmp_path / f"worker-{len(workers)}.log")
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def broker(settings, redis_server):
    """Point this test process's Celery at the test's own Redis, not eager."""
    from config.celery import app

    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    # A fresh connection pool for the new broker; the old ones are put back afterwards.
    old_pools = app._pool, app.amqp._producer_pool
    app._pool = app.amqp._producer_pool = None
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = redis_server.url
    yield redis_server
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool, app.amqp._producer_pool = old_pools
    app.conf.update(**saved)
