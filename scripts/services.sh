#!/usr/bin/env bash
# Make sure the PostgreSQL the tests use answers, reusing one that runs and starting one that
# does not (without systemd, so it works in containers, chroots and CI). Prints what it did.
#
# usage: scripts/services.sh
# The database is SHOPFLOOR_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/
# postgres). A server elsewhere is only waited for; a local one that is down is started, and
# created first when this machine has PostgreSQL installed but no cluster on that port.
# Mosquitto needs no daemon: the tests and the demo start private brokers on their own ports.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
URL=${SHOPFLOOR_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
DEADLINE_S=${SHOPFLOOR_SERVICES_TIMEOUT_S:-60}

say() { printf 'services: %s\n' "$*"; }
die() { printf 'services: %s\n' "$*" >&2; exit 1; }
answers() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

wait_for() {  # host port what
  local until=$((SECONDS + DEADLINE_S))
  until answers "$1" "$2"; do
    [ $SECONDS -lt $until ] || die "$3 does not answer on $1:$2 after $DEADLINE_S s"
    sleep 0.2
  done
}

SUDO=()
need_root() {
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
    SUDO=(sudo)
  else
    die "$1 needs root: run this as root or with sudo, or point SHOPFLOOR_TEST_DATABASE_URL
  at a PostgreSQL where the user may create databases"
  fi
}

re='^postgres(ql)?(\+[a-z0-9]+)?://([^@/]*@)?(\[[^]]*\]|[^:/?]*)(:([0-9]+))?'
[[ $URL =~ $re ]] || die "SHOPFLOOR_TEST_DATABASE_URL is not a postgresql:// URL"
host=${BASH_REMATCH[4]:-127.0.0.1}
host=${host//[\[\]]/}
port=${BASH_REMATCH[6]:-5432}
case $host in localhost | "") tcp_host=127.0.0.1 ;; *) tcp_host=$host ;; esac

start_local_cluster() {
  command -v pg_lsclusters >/dev/null ||
    die "nothing answers on 127.0.0.1:$port and PostgreSQL is not installed here:
  run scripts/setup.sh (it installs Debian's postgresql), or set SHOPFLOOR_TEST_DATABASE_URL"
  local ver name cport status
  read -r ver name cport status _ < <(pg_lsclusters --no-header | awk -v p="$port" '$3 == p' | head -1) || true
  need_root "starting PostgreSQL"
  if [ -z "${ver:-}" ]; then
    ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
    [ -n "$ver" ] || die "pg_lsclusters is here but no PostgreSQL server: apt-get install postgresql"
    name=main
    [ -d "/etc/postgresql/$ver/main" ] && name=shopfloor
    say "creating PostgreSQL cluster $ver/$name on port $port"
    "${SUDO[@]}" env LC_ALL=C.UTF-8 pg_createcluster --port "$port" "$ver" "$name" >/dev/null
    local hba="/etc/postgresql/$ver/$name/pg_hba.conf"
    # A cluster made here is for development and tests, like the one setup.sh installs.
    {
      echo "# shopfloor: scripts/services.sh created this cluster for development and tests,"
      echo "# shopfloor: so local TCP logins as postgres need no password. Delete these lines on"
      echo "# shopfloor: any shared or production machine, then reload PostgreSQL."
      echo "host    all    postgres    127.0.0.1/32    trust"
      echo "host    all    postgres    ::1/128         trust"
      "${SUDO[@]}" cat "$hba"
    } >"${TMPDIR:-/tmp}/pg_hba.$$"
    "${SUDO[@]}" cp "${TMPDIR:-/tmp}/pg_hba.$$" "$hba"
    rm -f "${TMPDIR:-/tmp}/pg_hba.$$"
    status=down
  fi
  if [ "$status" = online ]; then
    die "PostgreSQL $ver/$name is running but does not answer on 127.0.0.1:$port;
  check listen_addresses in /etc/postgresql/$ver/$name/postgresql.conf"
  fi
  # With systemd, pg_ctlcluster hands over to systemctl; without it, it starts postgres itself.
  local direct=()
  [ -d /run/systemd/system ] || direct=(--skip-systemctl-redirect)
  say "starting PostgreSQL $ver/$name on port $port"
  "${SUDO[@]}" pg_ctlcluster "${direct[@]}" "$ver" "$name" start
}

case $host in
  127.0.0.1 | localhost | ::1 | "")
    if answers "$tcp_host" "$port"; then
      say "PostgreSQL answers on $tcp_host:$port: reusing it"
    else
      start_local_cluster
      wait_for "$tcp_host" "$port" PostgreSQL
      say "PostgreSQL is up on $tcp_host:$port"
    fi
    ;;
  *)
    wait_for "$tcp_host" "$port" "PostgreSQL (SHOPFLOOR_TEST_DATABASE_URL)"
    say "PostgreSQL answers on $tcp_host:$port"
    ;;
esac

# Answering is not enough: the tests log in and create a database per test.
if [ -x "$VENV/bin/python" ]; then
  if ! problem=$("$VENV/bin/python" - "$URL" 2>&1 <<'EOF'
import sys

import psycopg2

url = sys.argv[1].replace("postgresql+psycopg2://", "postgresql://", 1)
try:
    conn = psycopg2.connect(url, connect_timeout=10)
except psycopg2.OperationalError as err:
    sys.exit(f"cannot log in: {str(err).strip()}")
with conn, conn.cursor() as cur:
    cur.execute("SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user")
    if not cur.fetchone()[0]:
        sys.exit("the user may not create databases (the tests make one per test)")
conn.close()
EOF
  ); then
    die "PostgreSQL at $host:$port: $problem
  Set SHOPFLOOR_TEST_DATABASE_URL=postgresql://USER:PASSWORD@HOST:PORT/postgres to a user who
  may create databases, or, on a development box, trust local logins as postgres in pg_hba.conf."
  fi
fi
