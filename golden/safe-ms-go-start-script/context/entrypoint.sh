#!/bin/sh
set -e
[ -f /etc/relay.yaml ] || cp /src/relay.example.yaml /etc/relay.yaml
exec "$@"
