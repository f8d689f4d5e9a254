#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into a named PostgreSQL database and upload folder.
#
#   deploy/restore.sh [--force] BACKUP_DIR DATABASE_URL UPLOAD_FOLDER
#
# The checksums are verified first. The database is created when it does not exist (the role needs
# CREATEDB); a database that already holds tables, or an upload folder that holds files, is refused
# unless --force is given (then the dump's objects replace the ones of the same name, and the
# folder's files of the same name are overwritten). Stop both units before restoring over a live
# installation: systemctl stop feedback-web feedback-scheduler.
set -euo pipefail
umask 077

force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
if [ $# -ne 3 ]; then sed -n '2,11p' "$0"; exit 2; fi
backup="$1"; target_url="$2"; folder="$3"

target_url="${target_url/postgresql+psycopg:\/\//postgresql://}"
target_url="${target_url/postgres:\/\//postgresql://}"
case "$target_url" in postgresql://*/*) ;; *) echo "restore.sh: DATABASE_URL must be postgresql://…/NAME" >&2; exit 2 ;; esac
for f in database.dump uploads.tar SHA256SUMS; do
  [ -f "$backup/$f" ] || { echo "restore.sh: $backup/$f is missing" >&2; exit 2; }
done
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || { echo "restore.sh: checksums do not match" >&2; exit 1; }

# The database name is the URL's path (before any ?query); the server's maintenance database
# "postgres" is used to create it.
rest="${target_url#postgresql://}"
name="${rest#*/}"; name="${name%%\?*}"
query=""; [[ "$rest" == *\?* ]] && query="?${rest#*\?}"
server="postgresql://${rest%%/*}"
[[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "restore.sh: unusual database name '$name'" >&2; exit 2; }

# Every refusal is decided before anything is created or written.
exists=$(psql "$server/postgres$query" -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$name'")
if [ "$exists" = "1" ]; then
  tables=$(psql "$target_url" -XAtqc "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
  if [ "$tables" != "0" ] && [ "$force" != "1" ]; then
    echo "restore.sh: database $name already holds $tables tables; refusing (use --force to overwrite)" >&2
    exit 1
  fi
fi
if [ -d "$folder" ] && [ -n "$(find "$folder" -mindepth 1 -print -quit)" ] && [ "$force" != "1" ]; then
  echo "restore.sh: $folder is not empty; refusing (use --force to overwrite)" >&2
  exit 1
fi
if [ "$exists" != "1" ]; then
  psql "$server/postgres$query" -Xqc "CREATE DATABASE \"$name\""
  echo "restore.sh: created database $name"
fi

clean=()
[ "$force" = "1" ] && clean=(--clean --if-exists)
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction "${clean[@]}" \
  --dbname="$target_url" "$backup/database.dump"
mkdir -p "$folder"
chmod 700 "$folder"
tar --extract --file="$backup/uploads.tar" --directory="$folder" --no-same-owner
find "$folder" -type f -exec chmod 600 {} +
echo "restore.sh: restored $(basename "$backup") into database $name and $folder"
