#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install the dependencies, build with warnings as errors,
# run every test (unit, MPI at 1-4 ranks, end to end), then the sanitizer subsets and the fuzzers.
# .ci/run calls exactly this.
#   scripts/test.sh              # "ci" (Release, every test), then "ci-asan" (ASan + UBSan: unit and MPI
#                                # tests), "ci-tsan" (ThreadSanitizer: the threaded paths), scripts/fuzz.sh --ci
#   scripts/test.sh --sanitize   # only the "dev" preset (Debug, AddressSanitizer + UBSan, every test)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PARAKIT_ROOT"

preset=ci
[ "${1:-}" = "--sanitize" ] && preset=dev

scripts/install-deps.sh

# Architecture backstops (STYLE.md): kernels are pure, so nothing under the kernel paths may mention MPI;
# and outside the MPI layer (src/mpi, include/parakit/mpi) no code calls an MPI function or includes an
# MPI header other than Boost.MPI's communicator, which the driver holds and passes on.
if grep -rnE '#include *[<"](mpi|boost/mpi)|MPI_[A-Za-z]|boost::mpi' src/kernels include/parakit/kernels; then
  echo "test: kernels must not use MPI (see STYLE.md)" >&2
  exit 1
fi
if grep -rnE '\bMPI_[A-Z][A-Za-z_]*\(|boost::mpi::[a-z_]+ *\(|#include *[<"]mpi\.h|#include *<boost/mpi(\.hpp|/(collectives|operations|timer|environment|nonblocking|request|status|datatype|packed|skeleton|graph|intercommunicator|cartesian|group))' \
    src include apps --include='*.cpp' --include='*.hpp' --include='*.h' | grep -vE '^(src/mpi|include/parakit/mpi)/'; then
  echo "test: only the MPI layer (src/mpi, include/parakit/mpi) may call MPI or include MPI headers (see STYLE.md)" >&2
  exit 1
fi
if [ -e src/dist ] || [ -e include/parakit/dist ]; then
  echo "test: the MPI layer lives in src/mpi and include/parakit/mpi, not dist/" >&2
  exit 1
fi

start=$SECONDS
parakit_configure "$preset" "$([ "$preset" = ci ] && echo build-ci || echo build-dev)"
cmake --build --preset "$preset" --parallel
echo "test: $preset: built in $((SECONDS - start)) s"
start=$SECONDS
ctest --preset "$preset"
echo "test: $preset: tests ran in $((SECONDS - start)) s"
[ "$preset" = ci ] || exit 0

# The sanitizers over the subsets that fit CI's time (CMakePresets.json says which targets and tests):
# ci-asan builds the unit and MPI tests with AddressSanitizer + UBSan and runs them; ci-tsan builds the
# threaded paths (task farm, describe, CSV parsing, run_local) with ThreadSanitizer and runs them.
# Both with clang (its libomp and Archer let TSan see OpenMP's synchronisation); ccache where there is one.
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# ThreadSanitizer before LLVM 18 cannot map its shadow memory when the kernel randomises more than 28
# bits of the address space: run it without address-space randomisation there.
tsan_wrap=()
if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)" -gt 28 ]; then
  tsan_wrap=(setarch "$(uname -m)" -R)
fi
sanitizer_run() {
  local name=$1 start=$SECONDS rc=0
  shift
  cmake --preset "$name" "${launcher[@]}" >/dev/null && cmake --build --preset "$name" --parallel &&
    echo "test: $name: built in $((SECONDS - start)) s" && "$@" ctest --preset "$name" || rc=$?
  echo "test: $name: built and tested in $((SECONDS - start)) s$([ $rc -eq 0 ] || echo ', FAILED')"
  return $rc
}
# Each step runs even when one before it failed, so that one CI run shows every finding.
failed=()
sanitizer_run ci-asan || failed+=(ci-asan)
sanitizer_run ci-tsan "${tsan_wrap[@]}" || failed+=(ci-tsan)

# Fuzzing (issue 18): every fuzz target for a short fixed time (scripts/fuzz.sh; README: Fuzzing).
start=$SECONDS
bash scripts/fuzz.sh --ci || failed+=(fuzz)
echo "test: fuzz: built and fuzzed in $((SECONDS - start)) s"

if [ ${#failed[@]} -gt 0 ]; then
  echo "test: failed: ${failed[*]}" >&2
  exit 1
fi
