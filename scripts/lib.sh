# Shared shell helpers for the quick-start and test scripts. POSIX sh.
PNPM_VERSION=10.34.8

# pnpm pinned by package.json; installed through npm when missing (fresh Debian with Node 20 and npm).
ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm -v 2>/dev/null)" = "$PNPM_VERSION" ]; then
    PNPM=pnpm
  elif npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1; then
    PNPM=pnpm
  else
    PNPM="npx --yes pnpm@$PNPM_VERSION"
  fi
  echo "using $PNPM ($($PNPM -v))"
}

listening() { # host port
  node -e 'const s=require("net").connect(+process.argv[2],process.argv[1]);s.on("connect",()=>process.exit(0));s.on("error",()=>process.exit(1));setTimeout(()=>process.exit(1),1000)' "$1" "$2"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi; }

apt_install() { # packages...
  as_root sh -c "apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $* >/dev/null" 
}

# Redis on 6379 and NATS (JetStream) on 4222: started when nothing listens there, installed from Debian when missing.
ensure_services() {
  if ! listening 127.0.0.1 6379; then
    command -v redis-server >/dev/null 2>&1 || apt_install redis-server
    mkdir -p .wren/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir "$PWD/.wren/redis" --logfile "$PWD/.wren/redis/redis.log"
  fi
  if ! listening 127.0.0.1 4222; then
    NATS_BIN=$(command -v nats-server || echo /usr/sbin/nats-server)
    [ -x "$NATS_BIN" ] || { apt_install nats-server; NATS_BIN=$(command -v nats-server || echo /usr/sbin/nats-server); }
    mkdir -p .wren/nats
    nohup "$NATS_BIN" -a 127.0.0.1 -p 4222 -js -sd "$PWD/.wren/nats" -l "$PWD/.wren/nats/nats.log" >/dev/null 2>&1 &
  fi
  for i in $(seq 1 50); do
    listening 127.0.0.1 6379 && listening 127.0.0.1 4222 && return 0
    sleep 0.2
  done
  echo "Redis (6379) or NATS (4222) did not start" >&2
  return 1
}

# Debian's Chromium for the browser tests (playwright-core drives it; it never downloads a browser).
ensure_chromium() {
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && return 0
  echo "installing Chromium from Debian for the browser tests"
  apt_install chromium || { echo "could not install Chromium (need root or sudo): apt-get install chromium" >&2; return 1; }
}
