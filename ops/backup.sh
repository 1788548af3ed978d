#!/usr/bin/env bash
# Back up duban into one tar file: the database (pg_dump -Fc of DATABASE_URL) and the uploaded
# files (DUBAN_VAR_DIR/private), with a checksum of each.
#
#   ops/backup.sh DIR   write DIR/duban-backup-<UTC date-time>.tar and print its path
#   ops/backup.sh -     write the tar to stdout, e.g. from the compose setup:
#                       docker-compose exec -T web ops/backup.sh - > duban-backup.tar
#
# Reads DATABASE_URL and DUBAN_VAR_DIR (or their _FILE variants) as the settings do. Safe while
# duban runs: pg_dump reads one consistent snapshot, and the files are archived after it, so every
# file the database refers to is in the archive. Needs pg_dump of the server's major version or
# newer (the image has PostgreSQL 15's). Restore with ops/restore.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: $0 DIR | -"
dest=$1
command -v pg_dump >/dev/null || die "pg_dump is not installed (Debian: postgresql-client)"

stamp=$(date -u +%Y%m%d-%H%M%S)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "backup: dumping the database"
pg_dump --format=custom --file="$work/database.dump" --dbname="$database_url"

say "backup: archiving $private_dir"
if [ -d "$private_dir" ]; then
  tar -C "$private_dir" -cf "$work/private.tar" .
else
  tar -cf "$work/private.tar" --files-from=/dev/null
fi

{
  echo "duban backup $stamp (UTC)"
  echo "pg_dump: $(pg_dump --version)"
  echo "files: $(tar -tf "$work/private.tar" | grep -cv '/$' || true)"
} > "$work/manifest.txt"
(cd "$work" && sha256sum database.dump private.tar > SHA256SUMS)

members=(manifest.txt SHA256SUMS database.dump private.tar)
if [ "$dest" = - ]; then
  [ ! -t 1 ] || die "refusing to write the archive to a terminal: redirect stdout to a file"
  tar -C "$work" -cf - "${members[@]}"
  say "backup: done"
else
  mkdir -p "$dest"
  out="$dest/duban-backup-$stamp.tar"
  tar -C "$work" -cf "$out.part" "${members[@]}"
  mv "$out.part" "$out"
  say "backup: done"
  echo "$out"
fi
