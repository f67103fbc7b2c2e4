#!/bin/sh
# Nightly backup of b24desk: the database first, then the attachments (a row without its file would be a broken
# attachment; a file without a row is harmless). Needs DATABASE_URL and ATTACHMENT_DIR; BACKUP_DIR, KEEP_DAYS optional.
# With ATTACHMENT_STORAGE=s3://... the objects are exported by the app itself (FLASK: the app's flask, default flask).
set -eu
stamp=$(date -u +%Y%m%dT%H%M%S)
dest=${BACKUP_DIR:-/backup/b24desk}
keep=${KEEP_DAYS:-14}
url=$(printf '%s' "$DATABASE_URL" | sed 's#^postgresql+psycopg://#postgresql://#')
mkdir -p "$dest/db" "$dest/attachments"
pg_dump --format=custom --compress=6 --file="$dest/db/b24desk-$stamp.dump.part" "$url"
mv "$dest/db/b24desk-$stamp.dump.part" "$dest/db/b24desk-$stamp.dump"
case "${ATTACHMENT_STORAGE:-}" in
s3://*)
    link=""
    [ -d "$dest/attachments/latest" ] && link="--link-dest=$dest/attachments/latest"
    (cd "$(dirname "$0")/.." && ${FLASK:-flask} --app app attachments export "$dest/attachments/$stamp" $link) ;;
*)
    if [ -d "$dest/attachments/latest" ]; then
        rsync -a --delete --link-dest="$dest/attachments/latest" "$ATTACHMENT_DIR/" "$dest/attachments/$stamp/"
    else
        rsync -a --delete "$ATTACHMENT_DIR/" "$dest/attachments/$stamp/"
    fi ;;
esac
ln -sfn "$dest/attachments/$stamp" "$dest/attachments/latest"
find "$dest/db" -name '*.dump' -mtime +"$keep" -delete
find "$dest/attachments" -mindepth 1 -maxdepth 1 -type d -mtime +"$keep" -exec rm -rf {} +
echo "$stamp"
