#!/usr/bin/env bash
# Back up the feedback desk: the PostgreSQL database (pg_dump, custom format) and the upload folder
# (attachments and signed letters, a tar) into one dated folder with their checksums.
#
#   deploy/backup.sh [-e ENV_FILE] [-o BACKUP_ROOT]
#
# DATABASE_URL and UPLOAD_FOLDER come from the environment or from ENV_FILE (default
# /etc/feedback/feedback.env when it exists). BACKUP_ROOT defaults to /var/backups/feedback.
# Writes BACKUP_ROOT/feedback-YYYYMMDD-HHMMSS/ with database.dump, uploads.tar, SHA256SUMS, MANIFEST,
# and prints that folder's path on the last line. Restore with deploy/restore.sh.
# Daily, as root: `0 2 * * * /srv/feedback/deploy/backup.sh >> /var/log/feedback-backup.log 2>&1`
set -euo pipefail
umask 077

env_file=""
[ -r /etc/feedback/feedback.env ] && env_file=/etc/feedback/feedback.env
root="${BACKUP_ROOT:-/var/backups/feedback}"
while getopts "e:o:h" opt; do
  case "$opt" in
    e) env_file="$OPTARG" ;;
    o) root="$OPTARG" ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
done

if [ -n "$env_file" ]; then
  # The unit's environment file: KEY=value lines (values may hold spaces, so no shell word splitting).
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    key="${line%%=*}"
    if [[ "$key" == DATABASE_URL || "$key" == UPLOAD_FOLDER ]] && [ -z "${!key:-}" ]; then
      export "$key=${line#*=}"  # the environment wins over the file
    fi
  done < "$env_file"
fi
: "${DATABASE_URL:?DATABASE_URL is not set (environment or -e ENV_FILE)}"
: "${UPLOAD_FOLDER:?UPLOAD_FOLDER is not set (environment or -e ENV_FILE)}"
# SQLAlchemy's driver suffix (postgresql+psycopg://) is not a libpq URL.
db_url="${DATABASE_URL/postgresql+psycopg:\/\//postgresql://}"
db_url="${db_url/postgres:\/\//postgresql://}"
case "$db_url" in postgresql://*) ;; *) echo "backup.sh: DATABASE_URL is not PostgreSQL" >&2; exit 2 ;; esac
[ -d "$UPLOAD_FOLDER" ] || { echo "backup.sh: UPLOAD_FOLDER $UPLOAD_FOLDER is not a folder" >&2; exit 2; }

dest="$root/feedback-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$root"
mkdir "$dest"  # fails rather than mixing two backups of the same second
trap 'echo "backup.sh: failed; incomplete $dest removed" >&2; rm -rf "$dest"' ERR

pg_dump --format=custom --no-owner --no-privileges --file="$dest/database.dump" "$db_url"
tar --create --file="$dest/uploads.tar" --directory="$UPLOAD_FOLDER" --numeric-owner .
(cd "$dest" && sha256sum database.dump uploads.tar > SHA256SUMS)
{
  echo "created_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host=$(hostname)"
  echo "database=$(psql "$db_url" -XAtqc 'SELECT current_database()')"
  echo "alembic_revision=$(psql "$db_url" -XAtqc 'SELECT version_num FROM alembic_version' 2>/dev/null || echo unknown)"
  echo "upload_folder=$UPLOAD_FOLDER"
  echo "upload_files=$(find "$UPLOAD_FOLDER" -type f | wc -l)"
} > "$dest/MANIFEST"
trap - ERR
echo "backup.sh: database $(du -h "$dest/database.dump" | cut -f1), uploads $(du -h "$dest/uploads.tar" | cut -f1)"
echo "$dest"
