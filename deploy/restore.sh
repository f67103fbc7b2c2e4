#!/bin/sh
# Restore a b24desk backup: deploy/restore.sh STAMP. Stop the web and worker services first; the target database
# must exist and be empty (createdb). Needs DATABASE_URL and ATTACHMENT_DIR; BACKUP_DIR as for backup.sh.
set -eu
stamp=$1
src=${BACKUP_DIR:-/backup/b24desk}
url=$(printf '%s' "$DATABASE_URL" | sed 's#^postgresql+psycopg://#postgresql://#')
pg_restore --no-owner --exit-on-error --dbname="$url" "$src/db/b24desk-$stamp.dump"
mkdir -p "$ATTACHMENT_DIR"
case "${ATTACHMENT_STORAGE:-}" in
s3://*) (cd "$(dirname "$0")/.." && ${FLASK:-flask} --app app attachments import "$src/attachments/$stamp") ;;
*) rsync -a --delete "$src/attachments/$stamp/" "$ATTACHMENT_DIR/" ;;
esac
echo "restored $stamp; now run: flask db upgrade, then start the services and check /readyz"
