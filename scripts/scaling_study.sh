#!/usr/bin/env bash
# The body of strong_scaling.sh and weak_scaling.sh: scaling_study.sh strong|weak KERNEL [options].
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
source "$here/env.sh"  # as root (containers, CI), Open MPI must be told that it is wanted
kind=${1:?strong or weak}
shift

out=.
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ ${#args[@]} -eq 0 ]; then
  echo "usage: $(basename "$0") KERNEL [kernel options] --cores 1,2,4,8 [--mode M] [--out DIR]" >&2
  exit 2
fi

if [ -n "${PARAKIT:-}" ]; then
  parakit=$PARAKIT
elif command -v parakit >/dev/null 2>&1; then
  parakit=$(command -v parakit)
elif [ -x "$here/../build/bin/parakit" ]; then
  parakit=$here/../build/bin/parakit
else
  echo "$(basename "$0"): error: parakit not found: set PARAKIT=/path/to/parakit, put it on PATH, or build" \
       "this repository (scripts/quickstart.sh)" >&2
  exit 2
fi
if [ ! -x "$parakit" ]; then
  echo "$(basename "$0"): error: PARAKIT=$parakit is not an executable file" >&2
  exit 2
fi
command -v gnuplot >/dev/null 2>&1 || {
  echo "$(basename "$0"): error: gnuplot is not on PATH (Debian: apt-get install gnuplot-nox)" >&2
  exit 2
}
mkdir -p "$out"

"$parakit" scale "$kind" "${args[@]}" --json "$out/$kind.json" --csv "$out/$kind.csv" \
  --output "$out/$kind.txt"
cat "$out/$kind.txt"
# gnuplot strings in single quotes: a ' inside is written ''.
gq() { local q="'"; printf "'%s'" "${1//$q/$q$q}"; }
gnuplot -e "csv=$(gq "$out/$kind.csv"); title=$(gq "parakit scale $kind ${args[*]}")" \
        -e "speedup_png=$(gq "$out/$kind-speedup.png"); efficiency_png=$(gq "$out/$kind-efficiency.png")" \
        "$here/plot_scaling.gp"
echo "$(basename "$0"): wrote $out/$kind.json, $kind.csv, $kind.txt, $kind-speedup.png, $kind-efficiency.png"
