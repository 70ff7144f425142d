#!/usr/bin/env bash
# `make demo`: a whole shopfloor on this machine, from a clean slate, until Ctrl-C.
#
# It installs what is missing (scripts/setup.sh), empties var/demo, creates the cloud's
# database (SQLite in var/demo, or DATABASE_URL), loads demo/catalog.csv, creates both hubs'
# databases, then runs demo/Procfile under honcho: a private Mosquitto on 127.0.0.1:18830, the
# cloud API on 127.0.0.1:8000, an ingest worker, hub till-a (store-a, :8081) and hub till-b
# (store-b, :8082). Once the hubs have the catalog from the cloud, each receives its opening
# stock (demo/opening-stock.csv). Ctrl-C or SIGTERM stops every process.
#
# usage: scripts/demo.sh                  everything above
#        scripts/demo.sh --opening-stock  (run by the Procfile) wait for the catalog, give
#                                         the hubs their opening stock, then stay up
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
CLOUD_API=http://127.0.0.1:8000
HUBS=(till-a=http://127.0.0.1:8081 till-b=http://127.0.0.1:8082)
# Debian keeps mosquitto in /usr/sbin, which is not on every user's PATH.
export PATH="$PWD/$VENV/bin:$PATH:/usr/sbin:/sbin"
export PYTHONUNBUFFERED=1

say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }
answers() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

opening_stock() {
  "$VENV/bin/python" - "${HUBS[@]}" <<'EOF'
"""Wait until each hub has the cloud's catalog, then record its opening stock over its API."""

import csv
import json
import sys
import time
import urllib.error
import urllib.request

DEADLINE_S = 120
hubs = dict(arg.split("=", 1) for arg in sys.argv[1:])
with open("demo/opening-stock.csv", newline="") as f:
    rows = list(csv.DictReader(f))


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as answer:
        return json.load(answer)


until = time.monotonic() + DEADLINE_S
for hub, base in hubs.items():
    # The catalog reaches a hub over MQTT after the hub announces itself; the last product
    # arrives in the same transaction as the first.
    while True:
        try:
            call("GET", f"{base}/api/stock/{rows[-1]['sku']}")
            break
        except (urllib.error.URLError, ConnectionError) as err:
            if time.monotonic() > until:
                sys.exit(f"{hub} has no catalog after {DEADLINE_S} s ({err}); see its log above")
            time.sleep(0.5)
    for row in rows:
        call(
            "POST",
            f"{base}/api/stock/movements",
            {"sku": row["sku"], "delta": int(row[hub]), "reason": "receipt",
             "reference": "OPENING"},
        )
    print(f"{hub}: catalog received, opening stock of {len(rows)} products recorded", flush=True)
EOF
  cat <<EOF

  The demo is ready. Sell two packs of tea (by barcode) and 1.25 kg of onions at till-a:

    curl -s -X POST http://127.0.0.1:8081/api/checkout -H 'Content-Type: application/json' \\
      -d '{"lines": [{"code": "8905251002105", "qty": 2}, {"code": "ONION-LOOSE", "qty": 1250}],
           "payments": [{"method": "cash", "amount_minor": 50000}]}'

  then watch the sale reach the cloud: curl -s http://127.0.0.1:8081/api/sync
  and the stock there: curl -s http://127.0.0.1:8000/api/stock/TEA-ASSAM-250

EOF
  command -v curl >/dev/null || say "(curl is not installed here: apt-get install -y curl)"
}

if [ "${1:-}" = --opening-stock ]; then
  opening_stock
  # honcho stops every process when one ends, so this one stays until it is stopped too.
  exec sleep infinity
fi
[ $# -eq 0 ] || die "unknown argument '$1' (see the top of $0)"

# The demo's cloud runs on SQLite unless DATABASE_URL says otherwise, so no PostgreSQL here.
bash scripts/setup.sh --no-postgres

for port in 18830 8000 8081 8082; do
  if answers 127.0.0.1 "$port"; then
    die "something already listens on 127.0.0.1:$port (another demo?); stop it first"
  fi
done

if [ -n "${DATABASE_URL:-}" ]; then
  say "the cloud uses DATABASE_URL; give the demo an empty database of its own, because the"
  say "hubs start again from seq 1 and a database that already knows them would ignore them"
fi
rm -rf var/demo
mkdir -p var/demo/mosquitto var/demo/dev/camera-a

shopfloor cloud migrate --config demo/cloud.toml
shopfloor cloud product import --config demo/cloud.toml demo/catalog.csv
for hub in a b; do
  shopfloor hub init --config "demo/hub-$hub.toml"
done

cat <<EOF

  shopfloor demo
    broker   mqtt://127.0.0.1:18830   (Mosquitto, state in var/demo/mosquitto)
    cloud    $CLOUD_API/api/products   the catalog
             $CLOUD_API/api/hubs       each hub's last status and stored seq
             $CLOUD_API/api/stock/TEA-ASSAM-250   stock of one SKU, by location
    till-a   http://127.0.0.1:8081/api/health   http://127.0.0.1:8081/api/sync   (store-a)
    till-b   http://127.0.0.1:8082/api/health   http://127.0.0.1:8082/api/sync   (store-b)
  The hubs get the catalog from the cloud, then their opening stock; a checkout example
  follows once they have it. Ctrl-C stops everything.

  Devices (GET /api/devices on each hub): till-a has a receipt printer and cash drawer
  (simulated on 127.0.0.1:19100; the printer process prints each job it receives), a
  camera reading frames from var/demo/dev/camera-a, and a scanner and scale that connect
  when you start their simulators in another terminal:
    .venv/bin/shopfloor scanner-sim var/demo/dev/scanner-a        then type a barcode
    .venv/bin/shopfloor scale-sim --link var/demo/dev/scale-a     then type: place 1250
    .venv/bin/shopfloor camera-sim --folder var/demo/dev/camera-a 8905251002105
    curl -s -X POST http://127.0.0.1:8081/api/sales/1/print       reprint receipt 1
  till-b rides in a van: its GPS replays a track and sends location.fix events.

EOF
exec honcho -f demo/Procfile start
