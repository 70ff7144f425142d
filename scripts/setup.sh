#!/usr/bin/env bash
# Install what `make demo` and `make test` need on Debian or Ubuntu, then the project's venv.
#
# usage: scripts/setup.sh [--no-postgres]
#   --no-postgres  never install a PostgreSQL server (the demo's cloud runs on SQLite)
#
# It runs before every `make test`, so it only looks when everything is already there:
# apt-get runs only when a system package is missing, pip only when pyproject.toml or
# constraints.txt changed since the last install (a stamp file inside the venv).
# System packages: python3 (3.11 or newer) and python3-venv, mosquitto (tests start private
# brokers), postgresql only when no PostgreSQL answers on the test database's port, and
# build-essential with python3-dev only if pip has to compile something.
# Environment: VENV (default .venv), PYTHON (interpreter for the venv),
# SHOPFLOOR_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
STAMP="$VENV/.shopfloor-installed"
# Bump when the pip command below changes, so existing venvs are brought up to date.
SETUP_REVISION=1
want_postgres=1
for arg in "$@"; do
  case $arg in
    --no-postgres) want_postgres=0 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "setup: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# A TCP connect through bash itself, because psql and pg_isready may not be installed yet.
answers() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# --- what is missing -----------------------------------------------------------------------

python_ok() {  # A Python that can build the venv: 3.11 or newer, with ensurepip.
  "$1" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

venv_ok() {
  [ -x "$VENV/bin/python" ] &&
    "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null && python_ok "$(command -v "$candidate")"; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

pg_target() {  # Print "host port" of the test database URL.
  local url=${SHOPFLOOR_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
  local re='^postgres(ql)?(\+[a-z0-9]+)?://([^@/]*@)?(\[[^]]*\]|[^:/?]*)(:([0-9]+))?'
  [[ $url =~ $re ]] || die "SHOPFLOOR_TEST_DATABASE_URL is not a postgresql:// URL"
  local host=${BASH_REMATCH[4]:-127.0.0.1}
  echo "${host//[\[\]]/} ${BASH_REMATCH[6]:-5432}"
}

have_postgres_server() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

missing=()
if ! venv_ok && ! find_python >/dev/null; then
  # Ubuntu 22.04's python3 is 3.10; its python3.11 packages are the way to 3.11 there.
  if command -v python3 >/dev/null && ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    missing+=(python3.11 python3.11-venv)
  else
    missing+=(python3 python3-venv)
  fi
fi
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
# pyzbar loads libzbar at run time; evdev has no wheel and compiles against the kernel's
# input headers, so a compiler and the Python headers are needed before pip runs.
ldconfig -p 2>/dev/null | grep -q 'libzbar\.so\.0' || missing+=(libzbar0)
ldconfig -p 2>/dev/null | grep -q 'libusb-1\.0\.so\.0' || missing+=(libusb-1.0-0)
if ! { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import evdev' 2>/dev/null; }; then
  command -v cc >/dev/null || missing+=(build-essential)
  [ -e /usr/include/linux/input.h ] || missing+=(linux-libc-dev)
  py=$(find_python || echo python3)
  if ! "$py" -c 'import sys, sysconfig, os; sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("include"), "Python.h")))' 2>/dev/null; then
    missing+=("$(basename "$py")-dev")
  fi
fi
if [ "$want_postgres" = 1 ]; then
  target=$(pg_target)
  read -r pg_host pg_port <<<"$target"
  case $pg_host in
    127.0.0.1 | localhost | ::1 | "")
      answers 127.0.0.1 "$pg_port" || have_postgres_server || missing+=(postgresql) ;;
  esac
fi

# --- system packages -----------------------------------------------------------------------

SUDO=()
need_root() {  # Set SUDO for a privileged step, or stop and say what to install by hand.
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
    SUDO=(sudo)
  else
    die "missing system packages: $*
  Neither root nor sudo is available. Ask an administrator to run:
    apt-get install -y --no-install-recommends $*
  then run this again."
  fi
}

apt_install() {
  command -v apt-get >/dev/null ||
    die "no apt-get here; install these packages with your system's package manager: $*"
  need_root "$@"
  say "installing system packages: $*"
  # Without systemd (a container, a chroot, CI) nothing should start daemons while packages
  # install: they would collide with servers already on the standard ports. services.sh and
  # the demo start what they need themselves. A policy-rc.d that exists is left alone.
  local policy=""
  if [ ! -d /run/systemd/system ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    trap '"${SUDO[@]}" rm -f '"$policy" EXIT
  fi
  local apt=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 apt-get -q
    -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
  "${apt[@]}" update -qq
  "${apt[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
  if [ -n "$policy" ]; then
    "${SUDO[@]}" rm -f "$policy"
    trap - EXIT
  fi
}

# A server installed just now is a development and test box: let local TCP logins as postgres
# in without a password, which is what the tests' default URL expects. The lines say so, and
# say how to undo it.
trust_loopback() {  # version cluster
  local hba="/etc/postgresql/$1/$2/pg_hba.conf"
  "${SUDO[@]}" grep -q '^# shopfloor:' "$hba" && return 0
  local tmp
  tmp=$(mktemp)
  {
    echo "# shopfloor: scripts/setup.sh installed this server for development and tests, so"
    echo "# shopfloor: local TCP logins as postgres need no password. Delete these lines on any"
    echo "# shopfloor: shared or production machine, then reload PostgreSQL."
    echo "host    all    postgres    127.0.0.1/32    trust"
    echo "host    all    postgres    ::1/128         trust"
    "${SUDO[@]}" cat "$hba"
  } >"$tmp"
  "${SUDO[@]}" cp "$tmp" "$hba"
  rm -f "$tmp"
  say "PostgreSQL $1/$2: local logins as postgres trusted (see the top of $hba)"
}

if [ ${#missing[@]} -gt 0 ]; then
  started=$SECONDS
  apt_install "${missing[@]}"
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    while read -r ver name port status _; do
      trust_loopback "$ver" "$name"
      if [ "$port" != "$pg_port" ] && [ "$name" = main ]; then
        "${SUDO[@]}" pg_conftool "$ver" "$name" set port "$pg_port"
        say "PostgreSQL $ver/$name: port set to $pg_port"
      fi
      # Where apt started it (systemd), the new pg_hba.conf and port need a restart.
      if [ "$status" = online ]; then "${SUDO[@]}" pg_ctlcluster "$ver" "$name" restart; fi
    done < <(pg_lsclusters --no-header)
  fi
  say "system packages installed in $((SECONDS - started)) s"
fi

# --- the venv ------------------------------------------------------------------------------

if ! venv_ok; then
  python=$(find_python) || die "no Python 3.11+ with venv support found even after installing it"
  say "creating $VENV with $python ($("$python" -V 2>&1))"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
fi

want_stamp=$(
  {
    echo "revision $SETUP_REVISION"
    "$VENV/bin/python" -VV
    cat pyproject.toml constraints.txt
  } | sha256sum | cut -d' ' -f1
)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want_stamp" ]; then
  started=$SECONDS
  say "installing shopfloor and its pinned dependencies into $VENV"
  pip=("$VENV/bin/python" -m pip install --disable-pip-version-check -q -c constraints.txt -e '.[dev]')
  if ! "${pip[@]}"; then
    # psycopg2-binary and msgspec ship wheels for amd64 and arm64; elsewhere pip compiles.
    if command -v cc >/dev/null; then die "pip install failed (see above)"; fi
    say "pip install failed and there is no C compiler: installing one and trying again"
    pydev=$("$VENV/bin/python" -c 'import sys; print("python%d.%d-dev" % sys.version_info[:2])')
    apt_install build-essential "$pydev"
    "${pip[@]}" || die "pip install failed (see above)"
  fi
  echo "$want_stamp" >"$STAMP"
  say "python packages installed in $((SECONDS - started)) s"
fi
