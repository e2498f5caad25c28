#!/usr/bin/env bash
# Builds an earlier togai-mock for `npm run bench -- --baseline=DIR`, so the
# "(before)" rows are measured in the same run as the current tree: COMMIT is
# exported whole into DIR and built there, with the bench server entry
# (bench/servers/) taken from HEAD so both builds are preloaded the same way.
#
#   bench/baseline.sh /tmp/togai-before [COMMIT]    (default: 98316b3)
#   npm run bench -- --baseline=/tmp/togai-before
#
# 98316b3 is togai-mock before the work on pure reads, typed commands, one
# backend seam and the read-your-writes journal: the in-memory figures of the
# current tree are held to it (within 10 %). bench/RESULTS.md names the commit
# each published run compared against.
set -euo pipefail
DIR=${1:?usage: bench/baseline.sh DIR [COMMIT]}
COMMIT=${2:-98316b3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$DIR"
mkdir -p "$DIR"
git -C "$ROOT" archive "$COMMIT" | tar -x -C "$DIR"
rm -rf "$DIR/bench/servers"
mkdir -p "$DIR/bench"
cp -r "$ROOT/bench/servers" "$DIR/bench/servers"
ln -s "$ROOT/node_modules" "$DIR/node_modules"
(cd "$DIR" && npm run build --silent)
test -f "$DIR/dist/server.js"
echo "baseline built in $DIR ($(git -C "$ROOT" rev-parse --short "$COMMIT"))"
