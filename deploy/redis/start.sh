#!/bin/sh
# Renders the users.acl template with SHA-256 password hashes taken from the environment, then runs
# redis-server. No password is written to disk.
# Usage: start.sh <users.acl template> <rendered acl path> [redis-server args...]
set -eu
template=$1 out=$2
shift 2
umask 077
mkdir -p "$(dirname "$out")"
tmp="$out.tmp"
# ACL files allow no comments or blank lines: the template's are dropped.
grep -v -e '^#' -e '^[[:space:]]*$' "$template" >"$tmp"
for name in $(grep -o '@[A-Z0-9_]*@' "$tmp" | tr -d @ | sort -u); do
  value=$(printenv "$name" || true)
  if [ -z "$value" ]; then
    echo "redis: $name is not set (see .env.example)" >&2
    exit 1
  fi
  hash=$(printf %s "$value" | sha256sum | cut -d' ' -f1)
  sed -i "s/@$name@/$hash/g" "$tmp"
done
mv "$tmp" "$out"
exec redis-server "$@"
