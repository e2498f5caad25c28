#!/usr/bin/env bash
# Builds the "before" tree for `npm run bench -- --baseline=DIR`: the current
# commit with the hot-path files of issue 6 put back as they were at BASE
# (default 1067825, the last commit before the performance work) and the
# /_mock guard taken out of src/http/app.ts. Everything else (control API,
# journal, faults) is the same code as the tree being measured, so the
# before/after columns differ only by the performance changes.
#
#   bench/baseline.sh /tmp/togai-before [BASE]
#   npm run bench -- --baseline=/tmp/togai-before
set -euo pipefail
DIR=${1:?usage: bench/baseline.sh DIR [BASE]}
BASE=${2:-1067825}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$DIR"
mkdir -p "$DIR"
git -C "$ROOT" archive HEAD | tar -x -C "$DIR"
for f in src/domain/ledger.ts src/domain/ids.ts src/http/respond.ts; do
  git -C "$ROOT" show "$BASE:$f" > "$DIR/$f"
done
sed -i -e 's/app.use(underMock(uiRouter()));/app.use(uiRouter());/' \
       -e 's/app.use(underMock(controlRouter(runtime)));/app.use(controlRouter(runtime));/' "$DIR/src/http/app.ts"
ln -s "$ROOT/node_modules" "$DIR/node_modules"
(cd "$DIR" && npx tsc -p tsconfig.json) || echo "baseline: tsc reported errors (dist/ was still emitted)" >&2
test -f "$DIR/dist/server.js"
echo "baseline built in $DIR (HEAD with ledger/ids/respond from $BASE)"
