"""gunicorn for duban's web container: `gunicorn config.wsgi -c ops/gunicorn.conf.py`.

Sized for a 2-core server: 2 worker processes (one per core, so that CPU-heavy requests — reading
a PDF plan, building a bulletin — use both cores), each with 4 threads (gthread) that cover the
time spent waiting on PostgreSQL, on uploads and on slow clients: 8 requests at a time. Change
with GUNICORN_WORKERS / GUNICORN_THREADS (about one worker per core, 2–4 threads each); every
thread may hold a database connection (DB_CONN_MAX_AGE), so workers × threads + the Celery
worker's concurrency must stay under PostgreSQL's max_connections (100).

gunicorn's own lines (start, worker boot, timeouts) go to stdout in LOG_FORMAT like Django's
(lib/logging.py). There is no access log: Django logs one line per request with its request id
(logger duban.request).
"""
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A 300-page PDF plan or a year's bulletin can take a while; longer than this is a stuck worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Restart each worker now and then, so a slow leak cannot grow for months.
max_requests = 2000
max_requests_jitter = 200
# No control socket: nothing here uses `gunicornc`, and $HOME is not writable in the image.
control_socket_disable = True
accesslog = None
_format = os.environ.get("LOG_FORMAT", "json").strip().lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "lib.logging.JsonFormatter"},
        "text": {"()": "lib.logging.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                    "formatter": "text" if _format == "text" else "json"},
    },
    "root": {"level": "WARNING", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}
