# Sourced by the other scripts: the repository root, and what Open MPI needs when run as root.
PARAKIT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PARAKIT_ROOT
if [ "$(id -u)" -eq 0 ]; then
  # Open MPI refuses to start as root unless both are set (containers and CI run as root).
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# Builds the Release preset unless every binary named (relative to build/bin) is already there; the
# benchmarks call it before they measure. Usage: parakit_release_build parakit [other ...]
parakit_release_build() {
  local name
  for name in "$@"; do
    if [ ! -x "$PARAKIT_ROOT/build/bin/$name" ]; then
      (cd "$PARAKIT_ROOT" && cmake --preset release >/dev/null && cmake --build --preset release --parallel >/dev/null)
      return
    fi
  done
}
