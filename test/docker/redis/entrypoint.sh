#!/bin/sh
# As the official image's entrypoint does: a redis-server started without a
# config file listens on every interface of its container network, where
# protected mode would refuse the other containers (no password is set).
set -e
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
