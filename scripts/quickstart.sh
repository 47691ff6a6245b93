#!/usr/bin/env bash
# The main job, from a fresh clone: install the dependencies, build in Release, and run the seed's
# example -- pd.Series([10**5, 20**5]).apply(sample).mean() -- on 2 ranks.
#   scripts/quickstart.sh                    # mpirun -n 2 parakit pi --samples 100000,3200000
#   scripts/quickstart.sh --samples 2e10     # other pi options replace the default ones
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PARAKIT_ROOT"

scripts/install-deps.sh
cmake --preset release
cmake --build --preset release --parallel

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--samples 100000,3200000)
extra=()
[ "$(nproc)" -ge 2 ] || extra=(--oversubscribe)  # 2 ranks on a 1-core machine
set -x
mpirun -n 2 "${extra[@]}" build/bin/parakit pi "${args[@]}"
