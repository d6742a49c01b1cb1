#!/bin/sh
# The README's test command: installs everything the suite needs, starts Redis and NATS if they are not
# running, then runs types, lint and every test (unit, integration against real servers, browser).
set -eu
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pnpm
$PNPM install --frozen-lockfile
ensure_services
$PNPM run typecheck
$PNPM run lint
$PNPM run vitest
