#!/usr/bin/env bash
# A backup and restore round trip on scratch PostgreSQL databases (run once by .ci/run):
# migrate a fresh database, load the demo and one attachment file, back it up with deploy/backup.sh,
# restore into a second database and folder with deploy/restore.sh, then compare the row count of
# every table and the checksum of every file. A second restore without --force must be refused.
#
#   deploy/check-backup.sh [postgresql://postgres@127.0.0.1:5432] [DATABASE_PREFIX]
# The two scratch databases are PREFIX_backup and PREFIX_restore (default prefix: feedback_ci);
# they are dropped first and at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PG="${1:-postgresql://postgres@127.0.0.1:5432}"
src="${2:-feedback_ci}_backup"
dst="${2:-feedback_ci}_restore"
FLASK=.venv/bin/flask
PYTHON=.venv/bin/python

for name in "$src" "$dst"; do psql "$PG/postgres" -Xqc "DROP DATABASE IF EXISTS $name"; done
psql "$PG/postgres" -Xqc "CREATE DATABASE $src"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export FEEDBACK_ENV=development DATABASE_URL="$PG/$src" UPLOAD_FOLDER="$work/uploads"
$FLASK --app wsgi db upgrade >/dev/null 2>&1
$FLASK --app wsgi demo >/dev/null
# One submission with an attachment, through the intake service (a row and a file).
$PYTHON - <<'PY'
from feedback import create_app
from feedback.extensions import db
from feedback.services import intake
from feedback.timeutil import utcnow

app = create_app()
with app.app_context():
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    ticket = intake.submit(intake.Submission(
        submitter_type="enterprise", organization="Công ty TNHH Cân Điện Tử Phú Cường", tax_code="0101243150",
        name="Trần Thị Bích", email="bich.tran@example.com", address="Số 12 đường 30/4, phường Tân Ninh, tỉnh Tây Ninh",
        kind="complaint", category="TDC", title="Biên bản kiểm định cân chưa được trả",
        content="Doanh nghiệp gửi kèm biên bản kiểm định ngày 05/11 và đề nghị Chi cục trả kết quả.",
        consent_processing=True, locale="vi",
        uploads=[intake.Upload("bien-ban-kiem-dinh.pdf", "pdf", pdf)]), utcnow())
    db.session.commit()
    print(f"check-backup: demo loaded, {ticket.code} with {len(ticket.attachments)} attachment")
PY

deploy/backup.sh -e /dev/null -o "$work/backups" | tee "$work/backup.log"
unset DATABASE_URL UPLOAD_FOLDER
backup=$(tail -1 "$work/backup.log")
[ -d "$backup" ] || { echo "check-backup: backup.sh made no folder" >&2; exit 1; }
deploy/restore.sh "$backup" "$PG/$dst" "$work/restored"

counts() {  # "table rows" for every table of the public schema, sorted
  psql "$1" -XAtqc "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename" |
    while read -r table; do echo "$table $(psql "$1" -XAtqc "SELECT count(*) FROM \"$table\"")"; done
}
files() {  # "sha256  ./path" for every file, sorted
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
counts "$PG/$src" > "$work/src.counts"
counts "$PG/$dst" > "$work/dst.counts"
files "$work/uploads" > "$work/src.files"
files "$work/restored" > "$work/dst.files"
tables=$(wc -l < "$work/src.counts")
rows=$(awk '{s += $2} END {print s}' "$work/src.counts")
nfiles=$(wc -l < "$work/src.files")
if ! diff -u "$work/src.counts" "$work/dst.counts" || ! diff -u "$work/src.files" "$work/dst.files"; then
  echo "check-backup: the restored copy differs from the original" >&2
  exit 1
fi
if [ "$tables" -lt 10 ] || [ "$nfiles" -lt 1 ] || ! grep -q '^tickets [1-9]' "$work/src.counts"; then
  echo "check-backup: too little data to compare ($tables tables, $nfiles files)" >&2
  exit 1
fi
if deploy/restore.sh "$backup" "$PG/$dst" "$work/restored" 2>"$work/refused"; then
  echo "check-backup: restore over a non-empty database was not refused" >&2
  exit 1
fi
counts "$PG/$dst" | diff -u "$work/src.counts" - >/dev/null
echo "check-backup: refused as expected: $(cat "$work/refused")"
echo "check-backup: OK, $tables tables ($rows rows) and $nfiles files identical after backup and restore"
for name in "$src" "$dst"; do psql "$PG/postgres" -Xqc "DROP DATABASE IF EXISTS $name"; done
