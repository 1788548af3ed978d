"""Log lines that say which request or task they belong to: JSON (one object a line) or text.

Domain-free. `ContextFilter` stamps every record with the current request id (set by
`RequestIdMiddleware`) and the Celery task being run; `JsonFormatter` and `TextFormatter` print
them. Wired in config/settings.py (LOGGING, MIDDLEWARE, LOG_FORMAT) and ops/gunicorn.conf.py.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

# What Celery's own TaskFormatter uses to find the task being run.
from celery._state import get_current_task

HEADER = "X-Request-ID"
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
# An incoming X-Request-ID (a proxy's, such as nginx's $request_id, or a client's) is kept only
# if it looks like an id; anything else is replaced, so a header cannot forge log content.
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Paths asked every few seconds by health checks: their successful requests are logged at DEBUG.
QUIET_PATHS = frozenset({"/healthz"})

# What every LogRecord has; anything else on a record came from `extra=` and is printed too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id", "task_id", "task_name", "context",
}


class ContextFilter(logging.Filter):
    """Adds `request_id`, `task_id` and `task_name` (None outside a request or a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        task = get_current_task()
        task_id = getattr(getattr(task, "request", None), "id", None) if task else None
        if getattr(record, "task_id", None) is None:
            record.task_id = task_id
            record.task_name = task.name if task_id else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, the request or task, the
    record's extra fields, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id", "task_name"):
            value = getattr(record, key, None)
            if value:
                entry[key] = value
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        try:
            return json.dumps(entry, ensure_ascii=False, default=str)
        except (TypeError, ValueError):  # an extra the encoder cannot take (non-str dict keys)
            return json.dumps({k: v if isinstance(v, str | int | float | bool | None) else str(v)
                               for k, v in entry.items()}, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """For development: `time LEVEL logger [request or task] message`."""

    def __init__(self, fmt=None, datefmt=None, style="%", **kwargs):
        super().__init__(fmt or "%(asctime)s %(levelname)s %(name)s%(context)s %(message)s",
                         datefmt, style, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        if getattr(record, "request_id", None):
            parts.append(f"request={record.request_id}")
        if getattr(record, "task_id", None):
            parts.append(f"task={record.task_name}[{record.task_id}]")
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return super().format(record)


class RequestIdMiddleware:
    """Gives each request an id — the X-Request-ID header if it looks like one, else a new
    one — that every log line of the request carries and the response echoes; logs one line
    per request (logger `duban.request`: method, path, status, duration). First in MIDDLEWARE."""

    logger = logging.getLogger("duban.request")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _VALID_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            quiet = request.path in QUIET_PATHS and response.status_code < 400
            # The path without its query string, which may carry what a user typed.
            self.logger.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"method": request.method, "path": request.path,
                       "status": response.status_code,
                       "duration_ms": round((time.monotonic() - started) * 1000, 1)},
            )
            return response
        finally:
            request_id_var.reset(token)
