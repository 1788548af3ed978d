"""Logs (lib/logging.py): JSON lines on stdout, each with the request id or the Celery task.

The two end-to-end tests run the real thing in a subprocess — gunicorn with ops/gunicorn.conf.py,
and a Celery worker started as docker-compose.yml starts it — and read what they print.
"""
from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from celery import Celery

from lib.logging import ContextFilter, JsonFormatter, TextFormatter
from tests.celery_log_tasks import log_lines
from tests.e2e.conftest import RedisServer, free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI") == "true"


def json_lines(text: str) -> list[dict]:
    """Every non-blank line, parsed: fails on a line that is not one JSON object."""
    lines = []
    for line in text.splitlines():
        if line.strip():
            try:
                lines.append(json.loads(line))
            except ValueError:
                pytest.fail(f"not a JSON line: {line!r}")
    return lines


@pytest.fixture
def captured():
    """The `duban` logger's lines as the console handler writes them (JSON, with context)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("duban")
    logger.addHandler(handler)
    yield lambda: json_lines(stream.getvalue())
    logger.removeHandler(handler)


def subprocess_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST") and k not in ("DATABASE_URL", "REDIS_URL")}
    # Production settings over plain HTTP on 127.0.0.1 (no TLS proxy): no redirect to https.
    env.update({"DEBUG": "0", "SECRET_KEY": "logging-test", "LOG_FORMAT": "json",
                "SECURE_SSL_REDIRECT": "0",
                "DUBAN_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)})
    env.update(extra)
    return env


# ---- the formatters ----------------------------------------------------------------------------

def test_a_json_line_holds_the_record_its_extras_and_the_traceback():
    try:
        raise ValueError("坏了")
    except ValueError:
        record = logging.getLogger("duban.x").makeRecord(
            "duban.x", logging.ERROR, __file__, 1, "导入 %s 失败\n第二行", ("规划",),
            sys.exc_info(), extra={"plan_id": 7})
    ContextFilter().filter(record)

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "duban.x"
    assert entry["message"] == "导入 规划 失败\n第二行"
    assert entry["plan_id"] == 7
    assert "ValueError: 坏了" in entry["exc_info"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    assert "request_id" not in entry and "task_id" not in entry  # neither a request nor a task


def test_the_text_format_names_the_request():
    record = logging.makeLogRecord({"name": "duban.x", "levelname": "INFO", "msg": "hello",
                                    "request_id": "abc"})

    assert TextFormatter().format(record).endswith("INFO duban.x [request=abc] hello")


def test_log_format_must_be_json_or_text(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"], cwd=ROOT, capture_output=True,
        text=True, env=subprocess_env(tmp_path, LOG_FORMAT="xml"))

    assert result.returncode != 0
    assert "LOG_FORMAT='xml' is neither json nor text" in result.stderr


# ---- the request id ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_request_gets_an_id_that_the_response_echoes(client, captured):
    response = client.get("/accounts/login/")

    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    (line,) = [e for e in captured() if e["logger"] == "duban.request"]
    assert line["request_id"] == request_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/accounts/login/", 200)


@pytest.mark.django_db
def test_an_incoming_request_id_is_kept(client, captured):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="nginx-4f2a.77")

    assert response["X-Request-ID"] == "nginx-4f2a.77"
    assert [e["request_id"] for e in captured()] == ["nginx-4f2a.77"]


@pytest.mark.django_db
def test_an_incoming_value_that_is_not_an_id_is_replaced(client):
    for value in ('x" injected="1', "a" * 200, "中文"):
        response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=value)
        assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"]), value


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id_and_none_leaks_to_the_next(client, captured,
                                                                           settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # /healthz logs why it fails

    client.get("/healthz", HTTP_X_REQUEST_ID="first")
    logging.getLogger("duban.after").warning("outside any request")

    lines = captured()
    assert {e["logger"] for e in lines[:-1]} >= {"duban.health", "duban.request"}
    assert {e["request_id"] for e in lines[:-1]} == {"first"}
    assert "request_id" not in lines[-1]


def test_gunicorn_prints_json_lines_with_the_request_id(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.out"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "ops/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=subprocess_env(tmp_path, ALLOWED_HOSTS="127.0.0.1"),
        stdout=log.open("wb"), stderr=subprocess.PIPE)
    try:
        wait_until(lambda: b"Booting worker" in log.read_bytes(), 30, what="gunicorn")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/accounts/login/",
                                         headers={"X-Request-ID": "deploy-check-1"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["X-Request-ID"] == "deploy-check-1"
        wait_until(lambda: b"deploy-check-1" in log.read_bytes(), 10, what="the request line")
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)

    lines = json_lines(log.read_text())  # every line gunicorn and Django printed
    (line,) = [e for e in lines if e.get("request_id") == "deploy-check-1"]
    assert line["logger"] == "duban.request" and line["status"] == 200
    assert any(e["logger"] == "gunicorn.error" for e in lines)
    assert stderr == b""


# ---- Celery ------------------------------------------------------------------------------------

def test_an_eager_task_logs_with_its_task_id(captured):
    result = log_lines.apply(args=["eager-1"])

    (line,) = [e for e in captured() if "eager-1" in e["message"]]
    assert line["task_id"] == result.id
    assert line["task_name"] == "tests.log_lines"


def test_a_worker_prints_json_lines_with_the_task_id(tmp_path):
    """A worker started as docker-compose.yml starts it (prefork, --quiet, -l info)."""
    if not shutil.which("redis-server"):
        if IN_CI:
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    redis = RedisServer(free_port())
    redis.start()
    log = tmp_path / "worker.out"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "--quiet", "worker", "--loglevel",
         "info", "--concurrency", "1", "--include", "tests.celery_log_tasks"],
        cwd=ROOT, env=subprocess_env(tmp_path, REDIS_URL=redis.url),
        stdout=log.open("wb"), stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: b"ready." in log.read_bytes(), 60, what="celery worker ready")
        producer = Celery(broker=redis.url)
        task_id = producer.send_task("tests.log_lines", args=["worker-1"]).id
        wait_until(lambda: b"succeeded" in log.read_bytes(), 30, what="the task")
        output = log.read_text()
    finally:
        worker.terminate()
        worker.wait(30)
        redis.stop()

    lines = json_lines(output)  # everything the worker printed until then
    said = [e for e in lines if "worker-1" in e["message"]]
    assert {e["logger"] for e in said} == {"tests.celery_log_tasks", "duban.test"}
    for entry in said:
        assert entry["task_id"] == task_id
        assert entry["task_name"] == "tests.log_lines"
    (done,) = [e for e in lines if e["message"].startswith("Task tests.log_lines")
               and "succeeded" in e["message"]]
    assert done["task_id"] == task_id
