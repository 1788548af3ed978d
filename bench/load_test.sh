#!/bin/sh
# The load test of issue 12: gunicorn as the README sizes it for 2 cores (gthread, 2 workers ×
# 4 threads, ops/gunicorn.conf.py) on 127.0.0.1, then locust headless with USERS simulated
# reporters and office staff for SECONDS (bench/locustfile.py); it stops by itself and prints
# the figures per endpoint, also written to var/load/load_stats.csv. The users start logged in
# (bench/load_sessions.py): logins, a second of password hashing each, are not measured.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/duban_scale100 bench/load_test.sh [USERS] [SECONDS]
#
# on the data of `manage.py generate_scale_data --plans 100 --agencies 300 --tasks-per-plan 200
# --periods 12 --seed 1`. Reports saved, submitted and verified stay in that database.
set -eu
cd "$(dirname "$0")/.."
USERS=${1:-50}
SECONDS_=${2:-60}
PORT=${LOAD_PORT:-8077}
BIN=${VENV:-.venv}/bin
: "${DATABASE_URL:?set DATABASE_URL to the database holding the scale data}"
export DATABASE_URL DEBUG=0 SECRET_KEY=${SECRET_KEY:-load-test-only-not-a-production-key-0123456789} \
  ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SECURE_HSTS_SECONDS=0 \
  DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-60} LOG_FORMAT=json GUNICORN_BIND=127.0.0.1:$PORT \
  AXES_FAILURE_LIMIT=1000
mkdir -p var/load
"$BIN/python" bench/load_sessions.py
"$BIN/gunicorn" config.wsgi -c ops/gunicorn.conf.py > var/load/gunicorn.log 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break
  sleep 1
done
"$BIN/locust" -f bench/locustfile.py --headless -u "$USERS" -r 10 -t "${SECONDS_}s" \
  --host "http://127.0.0.1:$PORT" --csv var/load/load --only-summary --stop-timeout 10
