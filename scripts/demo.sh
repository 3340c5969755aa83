#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh: what `make demo` runs after building. Creates a fresh hub in demo-data/ with a few
# member organisations, tokens and collections, serves it on 127.0.0.1:${DEMO_PORT:-8470},
# loads real STIX data (MITRE ATT&CK for ICS, feeds2stix indicator feeds, OASIS examples),
# prints ready-to-paste commands, and keeps serving until Ctrl-C.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

R=${RENKEI:-build/src/cli/renkei}
PORT=${DEMO_PORT:-8470}
DATA=demo-data
SHARED=../shared/data
URL="http://127.0.0.1:$PORT"

[ -x "$R" ] || { echo "demo: $R not built (run make build)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "demo: python3 is needed" >&2; exit 1; }
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

echo "== fresh hub in $DATA/"
rm -rf "$DATA"
COORD=$("$R" init --data "$DATA" --name coordinator --json | json token)

for spec in "tokyo-power:electric-power:named" "sakura-bank:finance:sector" \
            "metro-rail:railways:anonymous" "nihon-telecom:information-communication:named"; do
  IFS=: read -r name sector anon <<<"$spec"
  "$R" org add --data "$DATA" --name "$name" --sector "$sector" --anonymity "$anon" --json >/dev/null
  echo "   organisation $name ($sector, $anon)"
done
MEMBER=$("$R" token create --data "$DATA" --org tokyo-power --role contributor --label demo --json | json token)
READER=$("$R" token create --data "$DATA" --org metro-rail --role reader --label demo --json | json token)
"$R" token create --data "$DATA" --org sakura-bank --role analyst --json >/dev/null

ICS=$("$R" collection add --data "$DATA" --title "ATT&CK for ICS" --alias attack-ics \
      --description "MITRE ATT&CK for ICS, every release" --read all --write org:coordinator --json | json id)
FEEDS=$("$R" collection add --data "$DATA" --title "Indicator feeds" --alias feeds \
        --description "Indicators shared by members" --read all --write all --json | json id)
PUBLIC=$("$R" collection add --data "$DATA" --title "Public" --alias public \
         --description "Examples anyone may read" --read public --write org:coordinator --json | json id)
echo "   collections: ATT&CK for ICS $ICS, Indicator feeds $FEEDS, Public $PUBLIC"

echo "== starting renkei serve on $URL"
"$R" serve --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/serve.out" 2>"$DATA/serve.log" &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; true; }
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM
for _ in $(seq 1 100); do
  if curl -fsS "$URL/healthz" >/dev/null 2>&1; then break; fi
  kill -0 "$SERVER" 2>/dev/null || { echo "demo: server failed:" >&2; cat "$DATA/serve.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$URL/healthz" >/dev/null || { echo "demo: server not healthy" >&2; exit 1; }

# Sends files to a collection with renkei push and says how many objects were stored.
push() {
  local token=$1 coll=$2; shift 2
  local out
  # exit 4 only means some objects were refused: the summary below says how many
  out=$("$R" push --json --token "$token" "$URL/hub/collections/$coll/" "$@" 2>>"$DATA/push.log") || true
  printf '%s\n' "$out" >>"$DATA/push.log"
  # One line per load: how many objects were stored and how many the hub refused (the real
  # data has genuine faults; the reasons are in push.log).
  printf '%s' "$out" | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)
except ValueError:
    print("      push failed: see push.log"); sys.exit(0)
msg = "      %d stored" % r.get("success", 0)
if r.get("failure"):
    msg += ", %d refused (reasons in push.log)" % r["failure"]
print(msg)'
}

echo "== loading data"
echo "   (ATT&CK releases oldest first. Later releases change content without a new"
echo "   'modified', so the hub keeps the first body and reports a conflict for the rest;"
echo "   a few objects break STIX 2.1 outright. Both are refusals by design.)"
for f in $(ls "$SHARED"/attack-ics/ics-attack-*.json 2>/dev/null | sort -V); do
  echo "   $(basename "$f") -> ATT&CK for ICS"
  push "$COORD" "$ICS" "$f"
done
feeds=$(find "$SHARED/feeds2stix/at-HEAD" -name '*.json' -path '*examples*' 2>/dev/null | sort | head -n 6)
for f in $feeds; do
  echo "   feeds2stix $(basename "$f") -> Indicator feeds (as tokyo-power)"
  push "$MEMBER" "$FEEDS" "$f"
done
oasis=("$SHARED/oasis-python-stix2/sco-examples-bundle.json")
while IFS= read -r f; do oasis+=("$f"); done < <(find "$SHARED/oasis-python-stix2/stix2" -name '*.json' 2>/dev/null | sort)
echo "   OASIS examples (${#oasis[@]} files) -> Public"
push "$COORD" "$PUBLIC" "${oasis[@]}"

cat <<EOF

================================================================================
 renkei demo hub: $URL/   (data in $DATA/, log in $DATA/serve.log)

 Coordinator token: $COORD
 Member token (tokyo-power, contributor): $MEMBER
 Reader token (metro-rail, reader):       $READER

 Try:
  curl -s -H 'Accept: application/taxii+json;version=2.1' $URL/taxii2/
  curl -s -H "Authorization: Bearer $MEMBER" $URL/hub/collections/
  curl -s -H "Authorization: Bearer $MEMBER" '$URL/hub/collections/$FEEDS/objects/?limit=5'
  curl -s -H "Authorization: Bearer $MEMBER" '$URL/hub/collections/$ICS/manifest/?limit=5&match[type]=malware'
  curl -s $URL/hub/collections/$PUBLIC/objects/identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5/
  curl -s -H "Authorization: Bearer $COORD" $URL/api/v1/orgs

  $R pull --token $READER --type malware --out ics-malware.json $URL/hub/collections/$ICS/
================================================================================
 Serving until Ctrl-C.
EOF
wait "$SERVER"
