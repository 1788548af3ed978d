#!/bin/sh
# Runs its arguments once the database holds every migration of this code: the worker's and
# beat's command in docker-compose.yml (the web container applies them). Waits 5 s at a time.
#   ops/after-migrate.sh celery -A config worker …
set -eu
cd "$(dirname "$0")/.."
until python manage.py migrate --check >/dev/null 2>&1; do
  echo "after-migrate: waiting for the web container to apply the migrations" >&2
  sleep 5
done
exec "$@"
