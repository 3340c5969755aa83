#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh: replays each libFuzzer driver's corpus and then fuzzes it for a while under
# ASan+UBSan. `quick` (default, used by `make test`) gives each driver 10 s, `long` 300 s.
# New inputs go to a temporary corpus so the repository is never modified; crashes are
# written next to this script (crash-*, ignored by git) and their path is printed.
# Prints "fuzz <name>: ok|FAIL" per driver; exits 1 if any driver failed, 2 on bad usage.
set -uo pipefail

mode=${1:-quick}
case "$mode" in
quick) secs=10 ;;
long) secs=300 ;;
*)
    echo "usage: $0 [quick|long]" >&2
    exit 2
    ;;
esac
secs=${FUZZ_SECS:-$secs} # override for a smoke test of this script

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
bindir=$build/tests/fuzz
if [ ! -d "$build" ]; then
    echo "fuzz: no fuzz build at $build (run: make build-fuzz)" >&2
    exit 2
fi

# Stop at the first report of either sanitizer so libFuzzer sees it as a crash.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/renkei-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

failed=0
ran=0
for name in fuzz_json fuzz_stix fuzz_pattern fuzz_taxii_query fuzz_http fuzz_head fuzz_policy \
    fuzz_sync fuzz_observable fuzz_alert; do
    drv=$bindir/$name
    [ -x "$drv" ] || continue
    ran=$((ran + 1))
    corpus=$here/corpus/${name#fuzz_}
    work=$tmp/$name
    mkdir -p "$work/corpus" "$work/artifacts"
    log=$work/log
    args=(-artifact_prefix="$work/artifacts/" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0)
    for d in "$here/$name.dict" "$here/${name#fuzz_}.dict"; do
        if [ -f "$d" ]; then
            args+=(-dict="$d")
            break
        fi
    done
    ok=1

    # 1. Replay the checked-in corpus (every input once, no mutation).
    if [ -d "$corpus" ] && [ -n "$(ls -A "$corpus" 2>/dev/null)" ]; then
        if ! "$drv" "${args[@]}" -runs=0 "$corpus" >"$log" 2>&1; then
            ok=0
        fi
    fi
    # 2. Fuzz: the temporary corpus comes first so that libFuzzer writes only there.
    if [ $ok -eq 1 ]; then
        seeds=()
        [ -d "$corpus" ] && seeds=("$corpus")
        if ! "$drv" "${args[@]}" -max_total_time="$secs" "$work/corpus" "${seeds[@]}" \
            >>"$log" 2>&1; then
            ok=0
        fi
    fi

    if [ $ok -eq 1 ]; then
        echo "fuzz $name: ok"
    else
        failed=1
        echo "fuzz $name: FAIL"
        for a in "$work"/artifacts/*; do
            [ -e "$a" ] || continue
            keep=$here/$(basename "$a")
            cp "$a" "$keep"
            echo "  crash file: $keep (reproduce: $drv $keep)"
        done
        echo "  last lines of the log:"
        tail -n 30 "$log" | sed 's/^/    /'
    fi
done

if [ $ran -eq 0 ]; then
    echo "fuzz: no drivers built in $bindir (nothing to run)"
fi
exit $failed
