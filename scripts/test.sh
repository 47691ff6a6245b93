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

cmake --preset "$preset"
cmake --build --preset "$preset" --parallel
ctest --preset "$preset"
