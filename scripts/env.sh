# Sourced by the other scripts: the repository root, and what Open MPI needs when run as root.
PARAKIT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PARAKIT_ROOT
if [ "$(id -u)" -eq 0 ]; then
  # Open MPI refuses to start as root unless both are set (containers and CI run as root).
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# Configures a preset (cmake --preset NAME) in its build directory DIR. A directory configured before
# the presets moved to Ninja (a Makefile cache) is cleared first: CMake refuses to change generators.
# Usage: parakit_configure NAME DIR [cmake options...]
parakit_configure() {
  local name=$1 rel=$2 dir=$PARAKIT_ROOT/$2
  shift 2
  if [ -f "$dir/CMakeCache.txt" ] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$dir/CMakeCache.txt"; then
    echo "parakit: $rel was configured with another generator; clearing its CMake cache" >&2
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  fi
  (cd "$PARAKIT_ROOT" && cmake --preset "$name" "$@" >/dev/null)
}

# The benchmarks' binaries: with PARAKIT_BENCH_BUILD=DIR, DIR/bin, which must hold every named target
# already; else build/bin, brought up to date. Sets PARAKIT_BENCH_BIN. Usage: parakit_bench_binaries NAME...
parakit_bench_binaries() {
  local name
  if [ -z "${PARAKIT_BENCH_BUILD:-}" ]; then
    parakit_release_build "$@" && PARAKIT_BENCH_BIN=$PARAKIT_ROOT/build/bin
    return
  fi
  PARAKIT_BENCH_BIN=$PARAKIT_BENCH_BUILD/bin
  for name in "$@"; do
    if [ ! -x "$PARAKIT_BENCH_BIN/$name" ]; then
      echo "parakit: $PARAKIT_BENCH_BIN/$name is missing (build it: cmake --build $PARAKIT_BENCH_BUILD --target $*)" >&2
      return 2
    fi
  done
}

# Brings the named targets of the Release preset (build/bin/NAME) up to date; the benchmarks call it
# before they measure. Usage: parakit_release_build parakit [other ...]
parakit_release_build() {
  parakit_configure release build && (cd "$PARAKIT_ROOT" && cmake --build --preset release --target "$@" >/dev/null)
}
