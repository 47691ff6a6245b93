#!/usr/bin/env bash
# The body of strong_scaling.sh and weak_scaling.sh: scaling_study.sh strong|weak KERNEL [options].
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=env.sh
source "$here/env.sh"  # as root (containers, CI), Open MPI must be told that it is wanted
kind=${1:?strong or weak}
shift
me=${kind}_scaling.sh

out=.
args=()
program=()  # `-- PROGRAM ARGS`: the program's words, passed on untouched after the study's options
while [ $# -gt 0 ]; do
  case $1 in
    --) program=("$@"); break ;;
    --out)
      [ $# -ge 2 ] || { echo "$me: error: --out needs a directory" >&2; exit 2; }
      out=$2; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --csv|--csv=*|--json|--json=*|--output|--output=*|--format|--format=*|--plot|--plot=*)
      echo "$me: error: ${1%%=*}: this script writes $kind.csv, $kind.json, $kind.txt and the plots itself" \
           "into --out DIR (run parakit scale directly to choose them)" >&2
      exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ ${#args[@]} -eq 0 ] && [ ${#program[@]} -eq 0 ]; then
  echo "usage: $me KERNEL [kernel options] --cores 1,2,4,8 [--mode M] [--out DIR]" >&2
  echo "       $me --cores 1,2,4,8 [--mode M] [--out DIR] [options] -- PROGRAM [ARGS]" >&2
  exit 2
fi

if [ -n "${PARAKIT:-}" ]; then
  parakit=$PARAKIT
elif command -v parakit >/dev/null 2>&1; then
  parakit=$(command -v parakit)
elif [ -x "$here/../build/bin/parakit" ]; then
  parakit=$here/../build/bin/parakit
else
  echo "$me: error: parakit not found: set PARAKIT=/path/to/parakit, put it on PATH, or build" \
       "this repository (scripts/quickstart.sh)" >&2
  exit 2
fi
if [ ! -x "$parakit" ]; then
  echo "$me: error: PARAKIT=$parakit is not an executable file" >&2
  exit 2
fi
command -v gnuplot >/dev/null 2>&1 || {
  echo "$me: error: gnuplot is not on PATH (Debian: apt-get install gnuplot-nox)" >&2
  exit 2
}
mkdir -p "$out"
out=${out%/}
[ -n "$out" ] || out=/

"$parakit" scale "$kind" "${args[@]}" --json "$out/$kind.json" --csv "$out/$kind.csv" \
  --output "$out/$kind.txt" "${program[@]}"
cat "$out/$kind.txt"
# gnuplot strings in single quotes: a ' inside is written ''.
gq() { local q="'"; printf "'%s'" "${1//$q/$q$q}"; }
gnuplot -e "csv=$(gq "$out/$kind.csv"); title=$(gq "parakit scale $kind ${args[*]} ${program[*]:1}")" \
        -e "speedup_png=$(gq "$out/$kind-speedup.png"); efficiency_png=$(gq "$out/$kind-efficiency.png")" \
        "$here/plot_scaling.gp"
echo "$me: wrote $kind.json, $kind.csv, $kind.txt, $kind-speedup.png and $kind-efficiency.png into $out"
