#!/bin/sh
set -e
if [ "$APP_ENV" = development ]; then
  exec go run ./cmd/board "$@"
fi
exec board "$@"
