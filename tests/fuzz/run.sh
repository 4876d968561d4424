#!/bin/sh
# run.sh - build and run the libFuzzer targets of ecosweep.
#
#   sh tests/fuzz/run.sh BUILD_DIR SECONDS
#
# Builds fuzz_spec, fuzz_report and fuzz_journal with clang into
# BUILD_DIR/fuzz, runs each for SECONDS on a writable copy of its seed
# corpus (tests/fuzz/corpus/NAME is never modified), and prints one line
# per target from libFuzzer's final stats. Exits non-zero if a target
# crashed, leaked or timed out, naming the file that reproduces it.
# FUZZ_CC picks the compiler (default clang); FUZZ_CFLAGS_EXTRA is added to
# every compile (e.g. -fno-sanitize=float-cast-overflow to fuzz past a known
# finding).
# Without clang or its fuzzer runtime it says so and exits 0: fuzzing is
# an extra, not a build requirement.
set -u

if [ $# -ne 2 ]; then
  echo "usage: sh tests/fuzz/run.sh BUILD_DIR SECONDS" >&2
  exit 2
fi
BUILD_DIR=$1
SECONDS_EACH=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mkdir -p "$BUILD_DIR/fuzz" && cd "$BUILD_DIR/fuzz" && pwd) || exit 2
FUZZ_CC=${FUZZ_CC:-clang}

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
  echo "fuzz: $FUZZ_CC not found, skipping (apt-get install clang libclang-rt-dev)"
  exit 0
fi
probe=$OUT/.probe
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' > "$probe.c"
if ! "$FUZZ_CC" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" >/dev/null 2>&1; then
  echo "fuzz: $FUZZ_CC cannot link -fsanitize=fuzzer (libclang-rt-dev missing?), skipping"
  rm -f "$probe" "$probe.c"
  exit 0
fi
rm -f "$probe" "$probe.c"

cd "$ROOT" || exit 2
CFLAGS_FUZZ="-g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$ROOT $(pkg-config --cflags libcjson 2>/dev/null || echo -I/usr/include/cjson) ${FUZZ_CFLAGS_EXTRA:-}"
LIBS_FUZZ="$(pkg-config --libs libcjson 2>/dev/null || echo -lcjson) -lgsl -lgslcblas -lm"
# What each target links: the module it fuzzes and what that pulls in.
SPEC_SRC="scheduler/spec.c scheduler/command.c $(ls strategies/*.c meters/*.c)"
sources_of() {
  case $1 in
  spec) echo "$SPEC_SRC" ;;
  report) echo "workers/protocol.c" ;;
  journal) echo "scheduler/journal.c scheduler/record.c $SPEC_SRC" ;;
  esac
}

status=0
for name in spec report journal; do
  src=$(sources_of $name)
  # shellcheck disable=SC2086
  if ! "$FUZZ_CC" $CFLAGS_FUZZ "tests/fuzz/fuzz_$name.c" $src $LIBS_FUZZ -o "$OUT/fuzz_$name"; then
    echo "fuzz_$name: BUILD FAILED"
    status=1
    continue
  fi
done
[ $status -eq 0 ] || exit $status

for name in spec report journal; do
  work=$OUT/work_$name
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp tests/fuzz/corpus/$name/* "$work/corpus/"
  log=$work/fuzz.log
  # UBSan findings abort (halt_on_error) so libFuzzer keeps them as crashes.
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ASAN_OPTIONS=detect_leaks=1 \
    "$OUT/fuzz_$name" -max_total_time="$SECONDS_EACH" -timeout=5 -rss_limit_mb=2048 \
      -print_final_stats=1 -dict=tests/fuzz/json.dict \
      -artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  # Coverage and features: the last status line libFuzzer printed.
  last=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
  cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(printf '%s\n' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  crash=$(find "$work/artifacts" -type f 2>/dev/null | head -n 1)
  if [ $rc -eq 0 ] && [ -z "$crash" ]; then
    echo "fuzz_$name: ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, no crash"
  else
    status=1
    what=$(grep -m1 -E '^==[0-9]+==ERROR|runtime error|^==[0-9]+== ERROR|deadly signal|timeout' "$log")
    echo "fuzz_$name: ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, CRASH (rc $rc): ${what:-see log}"
    echo "  reproducer: ${crash}  log: $log"
    echo "  rerun: $OUT/fuzz_$name ${crash}"
  fi
done
exit $status
