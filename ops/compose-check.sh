#!/usr/bin/env bash
# Parses docker-compose.yml with Compose v1 (Debian's docker-compose; no Docker engine needed):
# `docker-compose config -q` fails on unknown keys, wrong types and missing services. Run with
# the settings of .env.example (its required secrets filled with throwaway values), once as is and
# once with the trial profile. A real .env is neither read nor touched. Used by .ci/run,
# `make compose-check` and tests/test_compose.py.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v docker-compose >/dev/null \
  || { echo "compose-check: docker-compose is not installed (Debian: apt-get install -y --no-install-recommends docker-compose)" >&2; exit 2; }

env_file=$(mktemp)
trap 'rm -f "$env_file"' EXIT
sed -e 's/^SECRET_KEY=$/SECRET_KEY=compose-check-only/' \
    -e 's/^POSTGRES_PASSWORD=$/POSTGRES_PASSWORD=compose-check-only/' .env.example > "$env_file"

for profile in "" trial; do
  echo "compose-check: docker-compose config -q${profile:+ --profile $profile}"
  COMPOSE_PROFILES=$profile docker-compose --env-file "$env_file" -f docker-compose.yml \
    ${profile:+--profile "$profile"} config -q
done
echo "compose-check: docker-compose.yml is valid ($(docker-compose version --short))"
