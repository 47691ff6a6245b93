#!/usr/bin/env bash
# Rewrites the outputs in docs/course.md from real runs on this machine: every command of the page's
# ```console blocks runs, in order, in a fresh temporary directory, and the lines after each become what
# it printed; the page's machine line (host, CPUs, system, date, load) is rewritten too. Nothing is
# written unless every command exits 0. About a minute on 2 cores; run it on a quiet machine, since the
# page's times are read as this machine's.
#
#   scripts/course.sh            # parakit from $PARAKIT, else this repository's build/bin/parakit, else PATH
#   scripts/course.sh --check    # compare instead of rewrite: what ctest's course_commands_run_as_shown does
#
# The commands need python3 with pandas and Dask at /usr/bin/python3 (`compare --with-python`) and
# gnuplot (the pictures): scripts/install-deps.sh installs them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

mode=update
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "usage: scripts/course.sh [--check]" >&2; exit 2 ;;
esac

if [ -n "${PARAKIT:-}" ]; then
  parakit=$PARAKIT
elif [ -x "$PARAKIT_ROOT/build/bin/parakit" ]; then
  parakit=$PARAKIT_ROOT/build/bin/parakit
elif command -v parakit >/dev/null; then
  parakit=$(command -v parakit)
else
  echo "course.sh: no parakit: build it (scripts/quickstart.sh) or set PARAKIT" >&2
  exit 2
fi
# The runner needs only the standard library; /usr/bin/python3 first, as the seed's programs use it.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
exec "$python" "$PARAKIT_ROOT/tests/docs/course.py" "$mode" --doc "$PARAKIT_ROOT/docs/course.md" \
  --bin "$(dirname "$(readlink -f "$parakit")")"
