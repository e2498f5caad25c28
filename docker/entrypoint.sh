#!/bin/sh
# The image's entrypoint: hands its arguments to the togai-mock command line
# (`docker run togai-mock --help`, `docker run togai-mock verify ...`), with
# Node as the container's main process so `docker stop` reaches it.
#
# Before serving with a state file it checks that this user may write the
# file's directory. A bind-mounted host directory keeps its host owner, often
# root, which the image's uid 1000 cannot write: rather than exit later with
# a bare EACCES, say so and how to fix it.
set -eu

state_file=${TOGAI_MOCK_STATE_FILE:-}
serving=yes
case "${1:-}" in verify | check-pacts) serving=no ;; esac
previous=
for arg in "$@"; do
  if [ "$previous" = --state-file ]; then state_file=$arg; fi
  case "$arg" in
    --state-file=*) state_file=${arg#--state-file=} ;;
    -h | --help | -v | --version) serving=no ;;
  esac
  previous=$arg
done

if [ "$serving" = yes ] && [ -n "$state_file" ]; then
  dir=$(dirname -- "$state_file")
  # Saves go to a temporary file renamed over the old one: the directory is what must be writable.
  if [ -d "$dir" ] && ! [ -w "$dir" ]; then
    cat >&2 <<MSG
togai-mock: cannot write the state file $state_file: $dir belongs to uid $(stat -c %u -- "$dir") and this container runs as uid $(id -u).
A bind-mounted host directory keeps its owner. Either run the container as that owner
(docker run --user "\$(id -u):\$(id -g)" ...), or give the directory to uid 1000
(chown 1000:1000 on the host), or keep the state on a named volume (-v togai-state:/app/data).
MSG
    exit 1
  fi
fi

exec node /app/dist/cli.js "$@"
