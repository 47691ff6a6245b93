#!/usr/bin/env bash
# Installs what parakit needs to build, test and benchmark on Debian 12 (apt-get, as root or through
# sudo). Idempotent: installs only what is missing. On a cluster, load modules instead (README).
#   scripts/install-deps.sh          # everything (scripts/test.sh)
#   scripts/install-deps.sh --main   # only what building and running parakit needs (scripts/quickstart.sh)
set -euo pipefail

# What the main job (scripts/quickstart.sh: build parakit, run it) needs, and nothing more.
main_packages=(
  build-essential cmake ninja-build pkg-config
  openmpi-bin libopenmpi-dev openssh-client         # Open MPI (its launcher wants an rsh agent)
  libboost-mpi-dev libboost-program-options-dev libboost-serialization-dev
  nlohmann-json3-dev libfmt-dev
  libfast-float-dev libmuparser-dev                 # parakit stats: CSV numbers, --apply expressions
  libhdf5-openmpi-dev                               # parakit stats/gen: parallel HDF5 on Open MPI
  libhwloc-dev                                      # parakit info: the machine's topology
  libpng-dev                                        # parakit heat --png: pictures of the field
  libxxhash-dev                                     # map exec --graph: the graph's fingerprint in the joblog
)
# What the tests, the sanitizer and fuzz steps, the benchmarks and the studies' baselines add.
test_packages=(
  git libgtest-dev googletest
  hdf5-tools                                        # h5dump and friends, to look into what gen writes
  python3-numpy                                     # stats tests: an independent reference
  clang libclang-rt-14-dev libomp-14-dev            # scripts/fuzz.sh: libFuzzer + sanitizers, OpenMP
  gnuplot-nox                                       # map --gantt, compare/scale plots (and tests)
  parallel                                          # GNU parallel: the baseline of scripts/bench/map.sh
  python3
  python3-pandas python3-dask                       # compare --with-python: the seed's three versions
  python3-mpi4py                                    # tests of studies of any program: an mpi4py script
  slurm-wlm munge                                   # tests of slurm/: a local Slurm (scripts/slurm-local.sh)
)
packages=("${main_packages[@]}")
[ "${1:-}" = "--main" ] || packages+=("${test_packages[@]}")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: not a Debian system; install the equivalents of: ${packages[*]}" >&2
  echo "install-deps: (on a cluster: module load cmake gcc openmpi boost; see README)" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
# --force-unsafe-io: dpkg skips its fsync per unpacked file; a crash mid-install is repaired by
# running this again.
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-unsafe-io "${missing[@]}"
