#!/bin/sh
# The README's test command: installs everything the suite needs, starts Redis and NATS if they are not
# running and Chromium (Debian's) for the browser tests, then runs types, lint and every test.
set -eu
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pnpm
$PNPM install --frozen-lockfile
ensure_services
ensure_chromium
$PNPM run typecheck
$PNPM run lint
$PNPM run vitest
