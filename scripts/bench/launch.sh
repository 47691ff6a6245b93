#!/usr/bin/env bash
# The seed's job end to end, as a user types it, side by side in one run (rounds interleaved, medians):
#   parakit      mpirun -n 2 parakit pi                (launch included; parakit picks its transports)
#   defaults     the same with PARAKIT_FAST_LAUNCH=off (Open MPI's default transports)
#   empty        mpirun -n 2 parakit empty             (the launch alone: its share of parakit's time)
#   seed pool    python3 scripts/bench/seed_pool.py     (interpreter, import pandas, Pool(), the map)
# Target (issue 19): parakit <= 0.35 x seed pool. Exits 1 if missed.
# Usage: scripts/bench/launch.sh [--rounds 9]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$PARAKIT_ROOT"

rounds=9
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    *) echo "launch.sh: unknown argument '$1' (accepted: --rounds N)" >&2; exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "launch.sh: --rounds: '$rounds' is not a whole number >= 1" >&2; exit 2; }

parakit_release_build parakit
python=/usr/bin/python3
[ -x "$python" ] || python=python3
mpirun_flags=()
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# The user's own transports would make this a measurement of them: the benchmark runs without.
unset OMPI_MCA_pml OMPI_MCA_btl OMPI_MCA_osc PARAKIT_FAST_LAUNCH

seconds() {  # command... -> wall seconds of one run (output discarded; a failure stops the benchmark)
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "launch.sh: failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.6f", b - a}'
}
div() { awk -v a="$1" -v b="$2" -v k="${3:-1}" 'BEGIN {printf "%.6f", k * a / b}'; }

declare -A times
for ((r = 0; r < rounds; r++)); do
  times[parakit]+=" $(seconds mpirun "${mpirun_flags[@]}" -n 2 build/bin/parakit pi)"
  times[defaults]+=" $(PARAKIT_FAST_LAUNCH=off seconds mpirun "${mpirun_flags[@]}" -n 2 build/bin/parakit pi)"
  times[empty]+=" $(seconds mpirun "${mpirun_flags[@]}" -n 2 build/bin/parakit empty)"
  times[pool]+=" $(seconds "$python" scripts/bench/seed_pool.py)"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
p=$(median <<<"${times[parakit]}")
d=$(median <<<"${times[defaults]}")
e=$(median <<<"${times[empty]}")
s=$(median <<<"${times[pool]}")
ratio=$(div "$p" "$s")
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
echo "launch.sh: $rounds rounds, medians, on $(nproc) CPUs ($cpu)"
echo
echo "| run | median (s) | vs seed pool |"
echo "|---|---|---|"
printf '| `mpirun -n 2 parakit pi` | %.3f | %.2f x |\n' "$p" "$ratio"
printf '| the same, `PARAKIT_FAST_LAUNCH=off` (Open MPI defaults) | %.3f | %.2f x |\n' "$d" "$(div "$d" "$s")"
printf '| `mpirun -n 2 parakit empty` (the launch alone) | %.3f | %.0f %% of parakit pi |\n' "$e" "$(div "$e" "$p" 100)"
printf '| seed: `python3 seed_pool.py` (pandas, Pool(), map) | %.3f | 1 |\n' "$s"
echo
if awk -v r="$ratio" 'BEGIN {exit !(r <= 0.35)}'; then
  printf 'target met: parakit pi end to end is %.2f x the seed pool (target <= 0.35 x)\n' "$ratio"
else
  printf 'target MISSED: parakit pi end to end is %.2f x the seed pool (target <= 0.35 x)\n' "$ratio" >&2
  exit 1
fi
