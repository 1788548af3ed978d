# Shared by ops/backup.sh and ops/restore.sh: read DATABASE_URL and DUBAN_VAR_DIR the way
# config/settings.py does (a NAME_FILE variable, a Docker secret, wins over NAME).

say() { printf '%s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# setting NAME DEFAULT: the value of NAME_FILE's file, else of NAME, else DEFAULT.
setting() {
  local file_var="${1}_FILE"
  if [ -n "${!file_var:-}" ]; then
    tr -d '\r\n' < "${!file_var}"
  else
    printf '%s' "${!1:-$2}"
  fi
}

ops_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
database_url=$(setting DATABASE_URL "")
var_dir=$(setting DUBAN_VAR_DIR "$ops_root/var")
private_dir="$var_dir/private"  # settings: STORAGES["default"], the uploaded plans and attachments

case "$database_url" in
  postgres://*|postgresql://*) ;;
  "") die "DATABASE_URL is not set: backups need duban's PostgreSQL database (with the SQLite
default, stop duban and copy $var_dir instead)" ;;
  *) die "DATABASE_URL is not a postgres:// URL: backup and restore handle PostgreSQL only" ;;
esac
