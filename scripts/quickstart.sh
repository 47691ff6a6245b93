#!/usr/bin/env bash
# The main job, from a fresh clone: install what building and running parakit needs, build the parakit
# program alone (Release, Ninja, a unity build), and run the seed's example --
# pd.Series([10**5, 20**5]).apply(sample).mean() -- on 2 ranks. Each step says how long it took.
#   scripts/quickstart.sh                    # mpirun -n 2 parakit pi --samples 100000,3200000
#   scripts/quickstart.sh --samples 2e10     # other pi options replace the default ones
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PARAKIT_ROOT"

start=$SECONDS
scripts/install-deps.sh --main
echo "quickstart: installed in $((SECONDS - start)) s" >&2
step=$SECONDS
parakit_configure release build
cmake --build --preset release --target parakit
echo "quickstart: built in $((SECONDS - step)) s" >&2

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--samples 100000,3200000)
extra=()
[ "$(nproc)" -ge 2 ] || extra=(--oversubscribe)  # 2 ranks on a 1-core machine
step=$SECONDS
( set -x; mpirun -n 2 "${extra[@]}" build/bin/parakit pi "${args[@]}" )
echo "quickstart: ran in $((SECONDS - step)) s; $((SECONDS - start)) s in all" >&2
