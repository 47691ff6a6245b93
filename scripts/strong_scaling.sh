#!/usr/bin/env bash
# Strong scaling: the same work on every core count. A thin wrapper around `parakit scale strong`, kept
# short so that you can edit it.
#
#   scripts/strong_scaling.sh KERNEL [kernel options] --cores 1,2,4,8 [--mode processes|threads|hybrid]
#                             [--repeat N] [--out DIR] [any other `parakit scale` option]
#   scripts/strong_scaling.sh --cores 1,2,4,8 [options] -- PROGRAM [ARGS]      (a study of any program)
#   e.g. scripts/strong_scaling.sh pi --samples 2e10 --cores 1,2,4,8,16 --mode hybrid --out results/
#        scripts/strong_scaling.sh --cores 1,2,4 --time-regex 'time_s ([0-9.eE+-]+)' -- ./solver --n 4096
#
# Writes into DIR (default: the current directory): strong.json (the whole record), strong.csv (the
# table: cores, ranks, threads, work, median_s, spread_s, speedup, efficiency, karp_flatt, ...),
# strong.txt (the table as printed) and strong-speedup.png / strong-efficiency.png, drawn by gnuplot
# from the CSV with scripts/plot_scaling.gp (restyle it and run the last line again).
# parakit is found through $PARAKIT, else `parakit` on PATH, else this repository's build/bin/parakit.
exec "$(dirname "${BASH_SOURCE[0]}")/scaling_study.sh" strong "$@"
