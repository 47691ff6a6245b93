#!/usr/bin/env bash
# Weak scaling: the kernel's work per core stays constant (p cores get p times it). A thin wrapper
# around `parakit scale weak`, kept short so that you can edit it.
#
#   scripts/weak_scaling.sh KERNEL [kernel options] --cores 1,2,4,8 [--mode processes|threads|hybrid]
#                           [--repeat N] [--out DIR] [any other `parakit scale` option]
#   scripts/weak_scaling.sh --cores 1,2,4,8 --work N [options] -- PROGRAM ... {work} ...   (any program)
#   e.g. scripts/weak_scaling.sh pi --samples 1e9 --cores 1,2,4,8,16 --out results/
#        scripts/weak_scaling.sh --cores 1,2,4 --work 1e6 -- ./solver --n {work}
#
# Writes weak.json, weak.csv, weak.txt, weak-speedup.png (scaled speedup) and weak-efficiency.png into
# DIR (default: the current directory); see scripts/strong_scaling.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/scaling_study.sh" weak "$@"
