#!/bin/bash
# Submits a scaling study as a job array, one point per array task, and the job that collects the
# points into the table and plots once every point has succeeded (--dependency=afterok).
#   slurm/submit-scaling-array.sh strong --cores 1,2,4,8 [--mode hybrid --threads-per-rank 2 ...]
#                                 [--max-running N] [--wait] -- pi --samples 8e9
#   slurm/submit-scaling-array.sh strong --cores 1,2,4,8 [scale options] -- ./solver --n 4096
#   slurm/submit-scaling-array.sh weak --cores 1,2,4 --mode threads --work 1e6 -- ./omp_solver {work}
# After -- comes a kernel (pi, stats, heat) and its options, or any program and its arguments (a
# program named like a kernel: give its path, ./pi).
# Options before -- other than these three are `parakit scale`'s (--mode, --threads-per-rank, --repeat;
# a program's also --work, --unit, --time-regex, --same-output, --result-regex, --rtol, --mpi).
# --max-running N: at most N points at once (sbatch --array=...%N); 1 when the points would share a
# machine, as the nodes of scripts/slurm-local.sh do.
# Site sbatch options (account, partition, time) go in SBATCH_ACCOUNT, SBATCH_PARTITION, SBATCH_TIMELIMIT.
# Prints both job ids; with --wait it returns when the collector has ended, with its exit code.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage="usage: $0 strong|weak --cores LIST [scale options] [--max-running N] [--wait] -- KERNEL [options] | PROGRAM [ARGS]"
if [ $# -eq 0 ]; then
  echo "$usage" >&2
  exit 2
fi
scaling=$1
shift
if [ "$scaling" != strong ] && [ "$scaling" != weak ]; then
  echo "$0: scaling '$scaling' (accepted: strong, weak)" >&2
  exit 2
fi
# The study's own options stay with it (parakit checks them); this script needs --cores and takes
# --max-running and --wait for itself.
cores='' wait=() limit='' args=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    --cores)
      cores=${2:-}
      args+=(--cores "$cores")
      shift $(($# > 1 ? 2 : 1))
      ;;
    --cores=*)
      cores=${1#--cores=}
      args+=(--cores "$cores")
      shift
      ;;
    --max-running)
      limit=%${2:-}
      shift $(($# > 1 ? 2 : 1))
      ;;
    --max-running=*) limit=%${1#--max-running=} && shift ;;
    --wait) wait=(--wait) && shift ;;
    *) args+=("$1") && shift ;;
  esac
done
if [ "${1:-}" = -- ]; then shift; fi
if [ -n "$limit" ] && ! [[ $limit =~ ^%[1-9][0-9]*$ ]]; then
  echo "$0: --max-running '${limit#%}' (accepted: a count of 1 or more)" >&2
  exit 2
fi
if ! [[ $cores =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || [ $# -eq 0 ]; then
  echo "$usage (--cores: counts like 1,2,4)" >&2
  exit 2
fi
IFS=, read -r -a list <<<"$cores"
largest=0
for c in "${list[@]}"; do
  if [ "$c" -gt "$largest" ]; then largest=$c; fi
done
# `parakit scale` takes a kernel's options after the kernel, and a program's command after a -- that
# ends the study's options.
case $1 in
  pi | stats | heat) point=("$scaling" "$@" "${args[@]}") ;;
  *) point=("$scaling" "${args[@]}" -- "$@") ;;
esac
# Every array task asks for the largest point's CPUs on one node (and the node alone: --exclusive).
array=$(sbatch --parsable --array=0-$((${#list[@]} - 1))"$limit" --ntasks="$largest" \
  "$here/scaling-point.sbatch" "${point[@]}")
array=${array%%;*}
echo "array job $array: ${#list[@]} points on $cores cores"
results=${PARAKIT_RESULTS:-$PWD/results}/$array
echo "collector: table and plots in $results"
rc=0
collector=$(sbatch --parsable "${wait[@]}" --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  "$here/scaling-collect.sbatch" "$scaling" "$results") || rc=$?
collector=${collector%%;*}
echo "collector job $collector"
if [ ${#wait[@]} -gt 0 ]; then
  # A collector cancelled because a point failed ends with exit code 0: ask Slurm how it ended.
  state=$(scontrol show job -o "$collector" 2>/dev/null | grep -o 'JobState=[A-Z_]*' || true)
  if [ -n "$state" ] && [ "$state" != JobState=COMPLETED ]; then
    echo "$0: the collector ended ${state#JobState=}: a point failed (see parakit-point-${array}_*.out)" >&2
    exit 1
  fi
fi
exit "$rc"
