#!/bin/sh
# Credentials for docker compose.
#   sh deploy/make-env.sh > .env             .env.example with a fresh random value for every *_PASSWORD
#   sh deploy/make-env.sh rotate KEY [KEY…]  replaces those passwords in .env (then `docker compose up -d`)
# Values are a letter and 48 hex digits: safe inside the redis:// URLs compose builds, and read as a string
# by nats-server, which parses the environment values it references as config tokens (a value such as
# "2e9f…" is taken for a number and the server refuses to start).
set -eu
cd "$(dirname "$0")/.."

secret() { printf 'w%s' "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"; }

if [ "${1:-}" = rotate ]; then
  shift
  [ $# -gt 0 ] || { echo "usage: sh deploy/make-env.sh rotate KEY [KEY...]" >&2; exit 2; }
  [ -f .env ] || { echo "no .env: create it with sh deploy/make-env.sh > .env" >&2; exit 1; }
  for key in "$@"; do
    case "$key" in *_PASSWORD) ;; *) echo "$key: only *_PASSWORD keys are rotated" >&2; exit 2 ;; esac
    grep -q "^$key=" .env || { echo "$key is not in .env" >&2; exit 1; }
    sed -i "s/^$key=.*/$key=$(secret)/" .env
    echo "rotated $key" >&2
  done
  exit 0
fi

while IFS= read -r line; do
  case "$line" in
    [A-Z]*_PASSWORD=*) printf '%s=%s\n' "${line%%=*}" "$(secret)" ;;
    *) printf '%s\n' "$line" ;;
  esac
done <.env.example
