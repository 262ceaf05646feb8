#!/usr/bin/env bash
# Production start of the web server (systemd: deploy/systemd/kedang-web.service; README "Production").
#   1. collectstatic            the static files and their manifest (skip with KEDANG_COLLECTSTATIC=0
#                               when they were collected at build time)
#   2. check_static             refuses to start while the manifest is missing or older than the code:
#                               with DEBUG off every page would answer 500 without it
#   3. check --deploy           the production settings are clean (warnings are errors)
#   4. migrate                  the database schema (skip with KEDANG_MIGRATE=0, e.g. on a second node)
#   5. gunicorn                 deploy/gunicorn.conf.py; extra arguments are passed on
# The environment comes from /etc/kedang/kedang.env (deploy/kedang.env.example).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${KEDANG_PYTHON:-.venv/bin/python}
GUNICORN=${KEDANG_GUNICORN:-.venv/bin/gunicorn}

say() { echo "kedang start: $*" >&2; }

if [ "${KEDANG_COLLECTSTATIC:-1}" != "0" ]; then
  say "collectstatic"
  "$PY" manage.py collectstatic --noinput -v 0
fi
say "check_static"
if ! "$PY" manage.py check_static; then
  say "REFUSED: the static files manifest is missing or out of date (see above)."
  say "Run: $PY manage.py collectstatic --noinput   (or start without KEDANG_COLLECTSTATIC=0)"
  exit 78  # EX_CONFIG: systemd does not restart it in a loop (RestartPreventExitStatus=78)
fi
say "check --deploy"
"$PY" manage.py check --deploy --fail-level WARNING
if [ "${KEDANG_MIGRATE:-1}" != "0" ]; then
  say "migrate"
  "$PY" manage.py migrate --noinput
fi
say "gunicorn"
exec "$GUNICORN" --config deploy/gunicorn.conf.py "$@" kedang.wsgi:application
