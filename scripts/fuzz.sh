#!/usr/bin/env bash
# Fuzzes the CSV parser, the number and option parsers and the expression kernel (tests/fuzz) with
# libFuzzer, AddressSanitizer and UBSan (clang). Builds only the fuzz targets, in build-fuzz/; each target
# starts from its committed corpus (tests/fuzz/corpus/T) and the crashes found before (tests/fuzz/crashes/T)
# and grows a scratch copy (build-fuzz/corpus/T, kept between runs): the committed files never change.
# Exit 0: no crash; 1: a target crashed (its reproducer's path is printed); 2: usage or no clang.
#   scripts/fuzz.sh                                # every target 60 s
#   scripts/fuzz.sh --seconds 3600 --jobs 4 csv    # one target, an hour, 4 processes
#   scripts/fuzz.sh --ci                           # what CI runs: every target 12 s
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PARAKIT_ROOT"

all_targets=(csv numbers options expression)
seconds=60
jobs=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --jobs) jobs=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --ci) seconds=12; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option '$1' (accepted: --seconds N, --jobs N, --ci, TARGET...)" >&2; exit 2 ;;
    *)
      if [[ ! " ${all_targets[*]} " =~ " $1 " ]]; then
        echo "fuzz: no target '$1' (accepted: ${all_targets[*]})" >&2
        exit 2
      fi
      targets+=("$1"); shift ;;
  esac
done
for value in "$seconds" "$jobs"; do
  [[ "$value" =~ ^[1-9][0-9]{0,6}$ ]] || { echo "fuzz: '$value' is not a whole number from 1 (--seconds, --jobs)" >&2; exit 2; }
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: needs clang++ and its libFuzzer (scripts/install-deps.sh installs them)" >&2
  exit 2
fi

build=build-fuzz
start=$SECONDS
generator=()
command -v ninja >/dev/null 2>&1 && [ ! -f "$build/CMakeCache.txt" ] && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
mkdir -p "$build"
cmake -S . -B "$build" "${generator[@]}" "${launcher[@]}" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
  -DPARAKIT_FUZZ=ON -DPARAKIT_BUILD_TESTS=OFF -DPARAKIT_BUILD_EXAMPLES=OFF -DPARAKIT_BUILD_BENCHMARKS=OFF \
  -DPARAKIT_NATIVE=OFF >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
configured=$SECONDS
cmake --build "$build" --target parakit_fuzzers --parallel
echo "fuzz: configured in $((configured - start)) s, built in $((SECONDS - configured)) s; ${seconds} s per target: ${targets[*]}"

# Two threads per OpenMP team (format_rows splits its rows; the expression target asks for 1 and 2).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
# Leaks are bugs too; the first sanitizer report ends the run, so that libFuzzer saves the input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fork=()
[ "$jobs" -gt 1 ] && fork=(-fork="$jobs")
failed=()
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  artifacts=$build/crashes/$t
  mkdir -p "$corpus" "$artifacts"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/
  dict=()
  [ -f tests/fuzz/dict/"$t".dict ] && dict=(-dict=tests/fuzz/dict/"$t".dict)
  log=$build/fuzz-$t.log
  marker=$build/.started-$t
  touch "$marker"
  echo "fuzz: $t ..."
  if "$build/bin/fuzz_$t" "${dict[@]}" "${fork[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" tests/fuzz/crashes/"$t" >"$log" 2>&1; then
    # The final stats; with --jobs, the last progress line of the forking parent.
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p; s/^#\([0-9]*\): cov.*/\1/p' "$log" | tail -n 1)
    echo "fuzz: $t: ${runs:-?} inputs in ${seconds} s, no crash (corpus: $(ls "$corpus" | wc -l) files)"
  else
    failed+=("$t")
    tail -n 40 "$log" >&2
    mapfile -t reproducers < <(find "$artifacts" -type f -newer "$marker")
    echo "fuzz: $t CRASHED (log: $log); reproducer: ${reproducers[*]:-none written}" >&2
    for r in "${reproducers[@]}"; do
      echo "fuzz:   rerun it:          $build/bin/fuzz_$t $r" >&2
      echo "fuzz:   keep it as a test: cp $r tests/fuzz/crashes/$t/NAME   (then fix the bug)" >&2
    done
  fi
done
echo "fuzz: done in $((SECONDS - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashed: ${failed[*]}" >&2
  exit 1
fi
