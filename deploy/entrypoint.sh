#!/bin/sh
# The production command of every Wren process: run in a workspace package's folder (the image's WORKDIR,
# services/<name> or packages/cli), it starts that package's src/main.ts with tsx, and with OpenTelemetry
# loaded first (--import) when the package depends on @wren/telemetry. Arguments go to main.ts.
# `exec` so that node receives SIGTERM itself and drains.
set -eu
if [ ! -f src/main.ts ]; then
  echo "wren-entrypoint: no src/main.ts in $(pwd)" >&2
  exit 1
fi
if [ -e node_modules/@wren/telemetry ]; then
  exec node --import tsx --import @wren/telemetry/register src/main.ts "$@"
fi
exec node --import tsx src/main.ts "$@"
