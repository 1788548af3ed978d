#!/bin/sh
# The web container's command: apply migrations, then serve with gunicorn (ops/gunicorn.conf.py).
# Several web containers (scale-out) may start together: a PostgreSQL advisory lock lets one
# migrate at a time, and the others then find nothing left to do.
set -eu
cd "$(dirname "$0")/.."
python - <<'PY'
import io
import logging
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.core.management import call_command
from django.db import connection

if connection.vendor == "postgresql":
    with connection.cursor() as cursor:  # held by this session until the process exits
        cursor.execute("SELECT pg_advisory_lock(hashtext('duban migrate'))")
out = io.StringIO()  # said in one log line (LOG_FORMAT), not as migrate's own text
call_command("migrate", interactive=False, stdout=out)
applied = [line.split()[1].rstrip(".") for line in out.getvalue().splitlines() if line.startswith("  Applying")]
logging.getLogger("duban.deploy").info(
    "migrate: %s", f"applied {', '.join(applied)}" if applied else "no migrations to apply")
PY
exec gunicorn config.wsgi -c ops/gunicorn.conf.py
