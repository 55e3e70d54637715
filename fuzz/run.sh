#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [TARGET] — fuzz TARGET for SECONDS (default 60).
# TARGET: config (default: the mask-rules.yaml loader) or copy (the COPY
# tuple readers, the type codecs and the stream's masker, fuzz/fuzz_copy.c).
#
# Needs the fuzz build (`make fuzz` does both):
#   CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false \
#       -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C build-fuzz
#
# The seed corpus (fuzz/corpus/config) is copied to a scratch directory under
# the build directory, so the checked-in seeds never change. Exits non-zero
# on any crash, leak, timeout, out-of-memory or sanitizer report; the
# offending input is left under $BUILD_FUZZ/fuzz-artifacts/.
set -euo pipefail

seconds=${1:-60}
target=${2:-config}
case "$seconds" in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS] [config|copy]" >&2
    exit 2
    ;;
esac
case "$target" in
config) max_len=16384 ;;
copy) max_len=65536 ;;
*)
    echo "usage: $0 [SECONDS] [config|copy]" >&2
    exit 2
    ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
build=${BUILD_FUZZ:-$repo/build-fuzz}
case "$build" in /*) ;; *) build=$repo/$build ;; esac
fuzzer=$build/fuzz/fuzz_$target

if [ ! -x "$fuzzer" ]; then
    echo "fuzz/run.sh: $fuzzer not found; build it with 'make fuzz' (or see the header of $0)" >&2
    exit 2
fi

work=$build/fuzz-corpus/$target
artifacts=$build/fuzz-artifacts
log=$build/fuzz-$target.log
rm -rf "$work" "$artifacts"
mkdir -p "$work" "$artifacts"
cp "$here"/corpus/"$target"/* "$work"/

# Sanitizers: abort on the first report so libFuzzer saves the input and
# exits non-zero; leaks are checked after each input that allocates.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
# Keep provider lookups independent of the caller's machine.
unset PRIVACI_PROVIDERS_PATH PRIVACI_DATA_DIR PSEUDONYM_KEY ANONYMIZATION_SALT

echo "== fuzz_$target: ${seconds}s, corpus $work, artifacts $artifacts/"
# A dictionary only where one exists (fuzz/<target>.dict).
dict=()
[ -f "$here/$target.dict" ] && dict=(-dict="$here/$target.dict")
set +e
"$fuzzer" \
    -max_total_time="$seconds" \
    -rss_limit_mb=2048 \
    -detect_leaks=1 \
    -timeout=20 \
    -max_len="$max_len" \
    "${dict[@]}" \
    -artifact_prefix="$artifacts/" \
    -print_final_stats=1 \
    "$work" >"$log" 2>&1
status=$?
set -e

# libFuzzer's progress lines are long; show the start and the end.
head -n 20 "$log"
echo "..."
tail -n 30 "$log"

problems=()
[ "$status" -eq 0 ] || problems+=("fuzzer exited with status $status")
if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' "$log"; then
    problems+=("sanitizer or libFuzzer report in $log:")
    problems+=("$(grep -E 'ERROR: |runtime error:|SUMMARY: ' "$log" | head -n 10)")
fi
if compgen -G "$artifacts/*" >/dev/null; then
    problems+=("failing inputs saved: $(ls "$artifacts" | tr '\n' ' ')")
fi

if [ "${#problems[@]}" -ne 0 ]; then
    echo "== fuzz_$target FAILED" >&2
    printf '%s\n' "${problems[@]}" >&2
    echo "Reproduce: $fuzzer <input>   (full log: $log)" >&2
    exit 1
fi
runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
echo "== fuzz_$target OK: ${seconds}s, ${runs} inputs, no crash, leak or sanitizer report"
