#!/usr/bin/env bash
# How long the README's first command takes a new user (issue 19): scripts/quickstart.sh from a fresh
# clone of HEAD on a fresh Debian 12 root file system (apt, git and nothing else; entered with chroot in
# a private mount namespace), then the same command again with everything installed and built.
# Targets: the first result within 180 s cold (apt included), within 15 s warm.
#   scripts/bench/quickstart.sh            # needs root, mmdebstrap (installed if missing) and Debian's archive
# The root file system is made once and cached in $PARAKIT_FRESH_ROOT (default /tmp/fresh-debian, the
# cache ../shared/tools/fresh-ci uses).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$PARAKIT_ROOT"

[ "$(id -u)" -eq 0 ] || { echo "quickstart.sh: needs root (chroot, mounts)" >&2; exit 2; }
cache=${PARAKIT_FRESH_ROOT:-/tmp/fresh-debian}
mkdir -p "$cache"
if [ ! -s "$cache/bookworm.tar" ]; then
  command -v mmdebstrap >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q mmdebstrap >/dev/null; }
  echo "quickstart.sh: making a fresh Debian 12 root file system (once)" >&2
  mmdebstrap --variant=apt --include=ca-certificates,git bookworm "$cache/bookworm.part.tar" >"$cache/mmdebstrap.log" 2>&1
  mv "$cache/bookworm.part.tar" "$cache/bookworm.tar"
fi
root=$(mktemp -d /tmp/parakit-quickstart.XXXXXX)
cleanup() {
  # end what the runs left inside the root (an orted, say), by PID, then remove it
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  rm -rf "$root"
}
trap cleanup EXIT
tar -xf "$cache/bookworm.tar" -C "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q "$PARAKIT_ROOT" "$root/root/parakit"
log=$cache/quickstart.log
echo "quickstart.sh: $(git rev-parse --short HEAD) on a fresh Debian 12 root, $(nproc) cores; log: $log" >&2

# Runs scripts/quickstart.sh in the fresh root; prints its wall time in seconds.
run_quickstart() {
  local start end
  start=$(date +%s.%N)
  unshare --mount --fork bash -c "
    mount -t proc proc '$root/proc' && mount --rbind /dev '$root/dev' && mount --rbind /sys '$root/sys' &&
    mount -t tmpfs tmpfs '$root/dev/shm' && mount -t tmpfs tmpfs '$root/tmp' &&
    chroot '$root' /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      bash -c 'cd /root/parakit && scripts/quickstart.sh'" >>"$log" 2>&1
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.1f", $2 - $1}'
}

: >"$log"
cold=$(run_quickstart)
grep -q '^result  inside 2591223 ' "$log" || { echo "quickstart.sh: the cold run printed no result; see $log" >&2; exit 1; }
steps=$(grep '^quickstart: ' "$log" | tr '\n' ';')
mv "$log" "$log.cold"
warm=$(run_quickstart)
grep -q '^result  inside 2591223 ' "$log" || { echo "quickstart.sh: the warm run printed no result; see $log" >&2; exit 1; }
warm_steps=$(grep '^quickstart: ' "$log" | tr '\n' ';')
mv "$log" "$log.warm"
echo "cold (fresh Debian 12, apt included): $cold s (target <= 180 s)   ${steps}"
echo "warm (installed and built):           $warm s (target <= 15 s)   ${warm_steps}"
