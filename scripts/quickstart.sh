#!/bin/sh
# The README's quick start: installs, builds demo data, features, models, and starts every service.
set -eu
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_pnpm
$PNPM install --frozen-lockfile
ensure_services
exec $PNPM start
