#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install the dependencies, build with warnings as errors,
# run every test (unit, MPI at 1-4 ranks, end to end). .ci/run calls exactly this.
#   scripts/test.sh              # the "ci" preset (Release)
#   scripts/test.sh --sanitize   # the "dev" preset (Debug, AddressSanitizer + UBSan)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PARAKIT_ROOT"

preset=ci
[ "${1:-}" = "--sanitize" ] && preset=dev

scripts/install-deps.sh

# Architecture backstop: kernels are pure, so nothing under the kernel paths may mention MPI.
if grep -rnE '#include *[<"](mpi|boost/mpi)|MPI_[A-Za-z]|boost::mpi' src/kernels include/parakit/kernels; then
  echo "test: kernels must not use MPI (see STYLE.md)" >&2
  exit 1
fi

cmake --preset "$preset"
cmake --build --preset "$preset" --parallel
ctest --preset "$preset"
