#!/bin/sh
# Container entrypoint.
#   api      (default) migrate unless MIGRATE_ON_START=false, then serve on PORT with
#            WEB_CONCURRENCY uvicorn workers
#   worker   the background worker
#   migrate  apply database migrations and exit
#   …        anything else runs as given (e.g. `firstset rotate-signing-key`, `sh`)
# Every command is exec'd, so it is PID 1 of the container and receives its SIGTERM itself.
set -eu

[ "$#" -gt 0 ] || set -- api

case "$1" in
  api)
    shift
    case "${MIGRATE_ON_START:-true}" in
      false | 0 | no) ;;
      *) firstset migrate ;;
    esac
    exec firstset serve --host 0.0.0.0 --port "${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-2}" "$@"
    ;;
  worker)
    shift
    exec firstset worker "$@"
    ;;
  migrate)
    shift
    exec firstset migrate "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
