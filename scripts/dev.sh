#!/usr/bin/env bash
# Local provisioning behind the Makefile: Debian packages, the virtualenv, and a
# project-local PostgreSQL cluster and Redis under var/ when DATABASE_URL /
# REDIS_URL are not given. Every step is idempotent, so a second run is quick.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
cd "$ROOT"

DEBIAN_PACKAGES=(
  postgresql redis-server python3-venv age
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
  chromium poppler-utils gettext
)

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Each checkout gets its own ports, so two clones (or CI beside a developer)
# never fight over one cluster.
path_hash() { printf '%s' "$ROOT" | cksum | cut -d' ' -f1; }
PORT_BASE=$(( $(path_hash) % 5000 ))
PG_PORT="${LOCAL_PG_PORT:-$(( 50000 + PORT_BASE ))}"
REDIS_PORT="${LOCAL_REDIS_PORT:-$(( 55000 + PORT_BASE ))}"

ensure_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

system_python() {
  for c in /usr/bin/python3.11 /usr/bin/python3 python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$c"; return
    fi
  done
  die "Python 3.11 not found (Debian 12's python3 is 3.11)"
}

ensure_venv() {
  local want have
  # requirements.lock is what production installs; -dev adds the test tools.
  want="$(cat requirements.lock requirements-dev.lock | sha256sum | cut -d' ' -f1)"
  have="$(cat "$VENV/.lock-sha" 2>/dev/null || true)"
  if [ ! -x "$PY" ]; then
    log "Creating virtualenv .venv"
    "$(system_python)" -m venv "$VENV"
  fi
  if [ "$want" != "$have" ]; then
    log "Installing pinned Python packages (requirements-dev.lock)"
    # (grep drops a mirror-configuration warning some machines print per package)
    "$VENV/bin/pip" install -q --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; } >&2
    "$VENV/bin/pip" install -q -r requirements-dev.lock 2>&1 | { grep -v "^WARNING: Location" || true; } >&2
    [ "${PIPESTATUS[0]}" -eq 0 ] || die "pip install failed"
    echo "$want" > "$VENV/.lock-sha"
  fi
}

pg_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$d" ] || die "PostgreSQL binaries not found under /usr/lib/postgresql"
  echo "$d"
}

# When invoked as root the server runs as `postgres`, which must be able to
# reach its data directory; a checkout under /root is not reachable, so the
# cluster then lives under /var/tmp with var/pg pointing at it.
pg_home() {
  if [ -e "$VAR/pg" ]; then readlink -f "$VAR/pg"; return; fi
  mkdir -p "$VAR"
  if [ "$(id -u)" -eq 0 ]; then
    if runuser -u postgres -- test -x "$VAR" 2>/dev/null; then
      mkdir -p "$VAR/pg"
    else
      local alt="/var/tmp/childcase-pg-$(path_hash)"
      mkdir -p "$alt"
      ln -s "$alt" "$VAR/pg"
    fi
    chown postgres:postgres "$(readlink -f "$VAR/pg")"
  else
    mkdir -p "$VAR/pg"
  fi
  readlink -f "$VAR/pg"
}

pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_socket_dir() {
  local d
  d="$(pg_home)/run"
  # Unix socket paths are limited to ~107 bytes.
  if [ "${#d}" -gt 80 ]; then d="/tmp/childcase-pg-$(path_hash)"; fi
  echo "$d"
}

pg_is_up() {
  local bin home
  bin="$(pg_bin)"; home="$(pg_home)"
  [ -f "$home/data/PG_VERSION" ] && pg_run "$bin/pg_ctl" -D "$home/data" status >/dev/null 2>&1
}

# Prints "pg" when it started the server, nothing when it was already up.
pg_start() {
  local bin home sock
  bin="$(pg_bin)"; home="$(pg_home)"; sock="$(pg_socket_dir)"
  pg_run mkdir -p "$sock" "$home/log"
  if [ ! -f "$home/data/PG_VERSION" ]; then
    log "Creating a project-local PostgreSQL cluster in var/pg (port $PG_PORT)"
    pg_run "$bin/initdb" -D "$home/data" -E UTF8 --locale=C.UTF-8 -U postgres \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    cat <<CONF | pg_run tee -a "$home/data/postgresql.conf" >/dev/null
# childcase local development cluster
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$sock'
max_connections = 200
shared_buffers = 256MB
timezone = 'Asia/Tokyo'
log_timezone = 'Asia/Tokyo'
CONF
  fi
  if pg_is_up; then return 0; fi
  pg_run "$bin/pg_ctl" -D "$home/data" -l "$home/log/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k $sock" start >/dev/null || die "PostgreSQL did not start; see $home/log/postgres.log"
  if ! pg_run "$bin/psql" -h "$sock" -p "$PG_PORT" -U postgres -Atqc \
      "select 1 from pg_database where datname='childcase'" postgres | grep -q 1; then
    pg_run "$bin/createdb" -h "$sock" -p "$PG_PORT" -U postgres childcase
  fi
  echo pg
}

pg_stop() {
  local bin home
  bin="$(pg_bin)"; home="$(pg_home)"
  if pg_is_up; then
    log "Stopping local PostgreSQL"
    pg_run "$bin/pg_ctl" -D "$home/data" -m fast -w stop >/dev/null
  fi
}

redis_is_up() {
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1
}

redis_start() {
  mkdir -p "$VAR/redis"
  if redis_is_up; then return 0; fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$VAR/redis" \
    --daemonize yes --pidfile "$VAR/redis/redis.pid" --logfile "$VAR/redis/redis.log" \
    --appendonly yes --save "" --maxmemory-policy noeviction >/dev/null
  for _ in $(seq 1 50); do redis_is_up && break; sleep 0.1; done
  redis_is_up || die "Redis did not start; see var/redis/redis.log"
  echo redis
}

redis_stop() {
  if redis_is_up; then
    log "Stopping local Redis"
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
}

# Writes var/.env once (secret key, local paths) and exports the URLs of the
# local services unless the caller gave their own.
ensure_env() {
  mkdir -p "$VAR/media" "$VAR/backups" "$VAR/static"
  if [ ! -f "$VAR/.env" ]; then
    local key
    key="$("$(system_python)" -c 'import secrets; print(secrets.token_urlsafe(50))')"
    cat > "$VAR/.env" <<ENV
# Local development settings written by scripts/dev.sh (not for production).
SECRET_KEY=$key
DEBUG=0
HTTPS_ONLY=0
ALLOWED_HOSTS=127.0.0.1,localhost
CSRF_TRUSTED_ORIGINS=http://127.0.0.1:8000,http://localhost:8000
MEDIA_ROOT=$VAR/media
STATIC_ROOT=$VAR/static
BACKUP_DIR=$VAR/backups
CITY_PROFILE=sendai
ENV
    chmod 600 "$VAR/.env"
  fi
  # A local age key pair for the backups. In production the private key stays
  # with the city (docs/runbooks/restore.md); only the public key is configured.
  if [ ! -f "$VAR/backup-identity.txt" ]; then
    (umask 077; age-keygen -o "$VAR/backup-identity.txt" 2>/dev/null)
  fi
  if ! grep -q '^BACKUP_AGE_RECIPIENTS=' "$VAR/.env"; then
    {
      echo "BACKUP_AGE_RECIPIENTS=$(age-keygen -y "$VAR/backup-identity.txt")"
      echo "BACKUP_IDENTITY_FILE=$VAR/backup-identity.txt"
    } >> "$VAR/.env"
  fi
  export ENV_FILE="$VAR/.env"
}

STARTED=()
start_services() {
  ensure_env
  if [ -z "${DATABASE_URL:-}" ]; then
    local out sock
    out="$(pg_start)"; [ -n "$out" ] && STARTED+=("$out")
    sock="$(pg_socket_dir)"
    export DATABASE_URL="postgres://postgres@:$PG_PORT/${sock//\//%2F}/childcase"
  fi
  if [ -z "${REDIS_URL:-}" ]; then
    local out
    out="$(redis_start)"; [ -n "$out" ] && STARTED+=("$out")
    export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  fi
}

stop_started() {
  for s in "${STARTED[@]:-}"; do
    case "$s" in
      pg) pg_stop ;;
      redis) redis_stop ;;
    esac
  done
}

setup() {
  ensure_packages
  ensure_venv
  start_services
}

# Translations (.mo) and hashed static files are built, not committed.
compile_assets() {
  "$PY" manage.py compilemessages --ignore ".venv" --ignore "var" -v 0
  "$PY" manage.py collectstatic --noinput -v 0
}

cmd_run() {
  setup
  trap stop_started EXIT
  "$PY" manage.py migrate --noinput
  compile_assets
  "$PY" manage.py seed_demo
  log "Serving http://127.0.0.1:8000 (web, Celery worker, Celery beat). Ctrl-C stops them."
  # honcho forwards Ctrl-C to the processes it started and waits for them.
  "$VENV/bin/honcho" -f Procfile start || true
}

cmd_lint() {
  ensure_venv
  log "ruff check"
  "$VENV/bin/ruff" check .
  log "ruff format --check"
  "$VENV/bin/ruff" format --check .
  log "import-linter"
  "$VENV/bin/lint-imports" --no-cache
}

cmd_test() {
  setup
  trap stop_started EXIT
  cmd_lint
  # Tests get their own Redis database so queued test jobs never reach a
  # development worker.
  if [ -n "${TEST_REDIS_URL:-}" ]; then export REDIS_URL="$TEST_REDIS_URL"; else export REDIS_URL="${REDIS_URL%/*}/15"; fi
  "$PY" manage.py check --fail-level WARNING
  "$PY" manage.py makemigrations --check --dry-run >/dev/null || die "models changed without a migration (run makemigrations)"
  compile_assets
  log "pytest"
  "$VENV/bin/pytest" -n "${PYTEST_WORKERS:-2}" --create-db "$@"
}

cmd_manage() {
  setup
  "$PY" manage.py "$@"
}

cmd_bench() {
  DEBIAN_PACKAGES+=(wrk)
  setup
  trap stop_started EXIT
  "$PY" manage.py migrate --noinput
  "$PY" manage.py seed_demo
  "$PY" bench/run_all.py
}

cmd_clean() {
  if [ -t 0 ]; then
    read -r -p "Remove var/ (local database, Redis data, media, backups)? [y/N] " ans
    [ "$ans" = "y" ] || [ "$ans" = "Y" ] || { echo "Kept."; return; }
  elif [ "${FORCE:-}" != "1" ]; then
    die "Not a terminal: run with FORCE=1 to remove var/ without asking"
  fi
  pg_stop || true
  redis_stop || true
  local target
  target="$(readlink -f "$VAR/pg" 2>/dev/null || true)"
  [ -n "$target" ] && [ "$target" != "$VAR/pg" ] && rm -rf "$target"
  rm -rf "$VAR"
  log "Removed var/"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  lint) shift; cmd_lint ;;
  manage) shift; cmd_manage "$@" ;;
  services) setup; log "DATABASE_URL=$DATABASE_URL"; log "REDIS_URL=$REDIS_URL" ;;
  stop) pg_stop; redis_stop ;;
  clean) cmd_clean ;;
  bench) cmd_bench ;;
  env) ensure_env; start_services >/dev/null; echo "export DATABASE_URL='$DATABASE_URL' REDIS_URL='$REDIS_URL' ENV_FILE='$ENV_FILE'" ;;
  *) die "usage: scripts/dev.sh run|test|lint|manage|services|stop|clean|bench|env" ;;
esac
