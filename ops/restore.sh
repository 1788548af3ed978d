#!/usr/bin/env bash
# Restore a backup made by ops/backup.sh: the database with pg_restore --clean (in one
# transaction) into DATABASE_URL, then the uploaded files into DUBAN_VAR_DIR/private, whose
# current content is removed first.
#
#   ops/restore.sh FILE   restore from the archive FILE
#   ops/restore.sh -      read the archive from stdin, e.g. in the compose setup, with web, worker
#                         and beat stopped (README, "Back up and restore"):
#                         docker-compose run --rm --no-deps -T web ops/restore.sh - < duban-backup.tar
#
# Stop duban (web, worker, beat) first. The database may be empty or hold the same version of
# duban the backup came from; one with tables the backup lacks (a newer version) is refused:
# drop and create it, restore, then run `manage.py migrate`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: $0 FILE | -"
src=$1
command -v pg_restore >/dev/null || die "pg_restore is not installed (Debian: postgresql-client)"
command -v psql >/dev/null || die "psql is not installed (Debian: postgresql-client)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$src" = - ]; then
  tar -C "$work" -xf -
else
  [ -f "$src" ] || die "no such file: $src"
  tar -C "$work" -xf "$src"
fi
for member in manifest.txt SHA256SUMS database.dump private.tar; do
  [ -f "$work/$member" ] || die "not a duban backup: $member is missing"
done
(cd "$work" && sha256sum --quiet --check SHA256SUMS) || die "the archive is damaged (checksums)"
say "restore: $(head -n 1 "$work/manifest.txt")"

# Tables the database has and the backup has not would survive the restore and break the next
# migrate: refuse rather than leave a mixed schema.
psql=(psql --no-psqlrc --quiet --tuples-only --no-align --dbname="$database_url")
in_backup=$(pg_restore --list "$work/database.dump" | awk '$4 == "TABLE" && $5 == "public" {print $6}' | sort)
in_database=$("${psql[@]}" -c "SELECT tablename FROM pg_tables WHERE schemaname = 'public'" | sort)
extra=$(comm -13 <(echo "$in_backup") <(echo "$in_database") | grep -v '^$' || true)
if [ -n "$extra" ]; then
  die "the database has tables the backup does not ($(echo $extra | head -c 200)…): drop and
create the database, restore into it, then run manage.py migrate"
fi

say "restore: restoring the database"
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
  --exit-on-error --dbname="$database_url" "$work/database.dump"

say "restore: restoring the files into $private_dir"
mkdir -p "$private_dir"
find "$private_dir" -mindepth 1 -delete
# --no-overwrite-dir: leave the folder itself (a volume's mount point) as it is.
tar -C "$private_dir" --no-overwrite-dir -xf "$work/private.tar"
say "restore: done"
