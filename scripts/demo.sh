#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh: what `make demo` runs after building. Creates a fresh hub in demo-data/ with a few
# member organisations, tokens and collections, serves it on 127.0.0.1:${DEMO_PORT:-8470},
# loads real STIX data (MITRE ATT&CK for ICS, feeds2stix indicator feeds, OASIS examples),
# prints ready-to-paste commands, and keeps serving until Ctrl-C.
#
# Environment: RENKEI (the renkei binary), DEMO_PORT (0 picks a free port), DEMO_DATA (the
# hub's folder, default demo-data), and for tests/api/test_demo.py DEMO_BACKGROUND=1, which
# leaves the server running in the background (its pid in $DEMO_DATA/serve.pid) and exits
# once the commands are printed.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

R=${RENKEI:-build/src/cli/renkei}
PORT=${DEMO_PORT:-8470}
DATA=${DEMO_DATA:-demo-data}
SHARED=../shared/data

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
# Anyone may read it, so what has no TLP of its own and falls to the collection's default is
# CLEAR. The examples loaded below are also marked CLEAR by their publisher, since the
# policy's rules make indicators and observables GREEN whatever the collection.
PUBLIC=$("$R" collection add --data "$DATA" --title "Public" --alias public \
         --description "Examples anyone may read" --read public --write org:coordinator \
         --default-tlp clear --json | json id)
echo "   collections: ATT&CK for ICS $ICS, Indicator feeds $FEEDS, Public $PUBLIC"

echo "== starting renkei serve on 127.0.0.1:$PORT"
"$R" serve --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/serve.out" 2>"$DATA/serve.log" &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; true; }
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM
# The ready line says where it listens (with DEMO_PORT=0, on which port).
URL=
for _ in $(seq 1 300); do
  URL=$(sed -n 's|^renkei: listening on \(http://.*[0-9]\)/$|\1|p' "$DATA/serve.out")
  [ -n "$URL" ] && break
  kill -0 "$SERVER" 2>/dev/null || { echo "demo: server failed:" >&2; cat "$DATA/serve.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] && curl -fsS "$URL/healthz" >/dev/null || { echo "demo: server not healthy" >&2; exit 1; }

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
echo "   OASIS examples (${#oasis[@]} files) -> Public, marked TLP:CLEAR by the coordinator"
# The coordinator publishes them for everyone: each object without a TLP marking gets
# TLP:CLEAR (marking definitions are left as they are). The files are read in place.
python3 - "${oasis[@]}" <<'PY' | push "$COORD" "$PUBLIC" -
import json, sys

CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"  # TLP 2.0 CLEAR
TLP = {CLEAR,
       "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",  # TLP 1.0 WHITE
       "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",  # GREEN (1.0, 2.0)
       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
       "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",  # AMBER (1.0, 2.0)
       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
       "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",  # AMBER+STRICT
       "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",  # RED (1.0, 2.0)
       "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}
out = []
for path in sys.argv[1:]:
    with open(path) as f:
        doc = json.load(f)
    objs = doc.get("objects", [doc]) if isinstance(doc, dict) else doc
    for o in objs:
        refs = o.get("object_marking_refs", [])
        if o.get("type") != "marking-definition" and not TLP.intersection(refs):
            o["object_marking_refs"] = refs + [CLEAR]
        out.append(o)
json.dump(out, sys.stdout)
PY

cat <<EOF

================================================================================
 renkei demo hub: $URL/   (data in $DATA/, log in $DATA/serve.log)

 Coordinator token: $COORD
 Member token (tokyo-power, contributor): $MEMBER
 Reader token (metro-rail, reader):       $READER

 Try (curl -g: the brackets of match[...] are not a URL pattern; no token: public):
  curl -sS -H 'Accept: application/taxii+json;version=2.1' $URL/taxii2/
  curl -sS -H "Authorization: Bearer $MEMBER" $URL/hub/collections/
  curl -sS -H "Authorization: Bearer $MEMBER" '$URL/hub/collections/$FEEDS/objects/?limit=5'
  curl -sSg -H "Authorization: Bearer $MEMBER" '$URL/hub/collections/$ICS/manifest/?limit=5&match[type]=malware'
  curl -sS $URL/hub/collections/$PUBLIC/objects/identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5/
  curl -sSg '$URL/hub/collections/$PUBLIC/objects/?limit=5&match[type]=ipv4-addr'
  curl -sS -H "Authorization: Bearer $COORD" $URL/api/v1/orgs

  $R pull --token $READER --type malware --out ics-malware.json $URL/hub/collections/$ICS/
================================================================================
EOF
if [ "${DEMO_BACKGROUND:-}" = 1 ]; then
  # For tests: the server goes on without this script; whoever set this stops it.
  echo "$SERVER" >"$DATA/serve.pid"
  trap - EXIT INT TERM
  echo " Serving in the background (process $SERVER)."
  exit 0
fi
echo " Serving until Ctrl-C."
wait "$SERVER"
