#!/usr/bin/env bash
# Benchmark of `parakit pi`, every ratio measured side by side in one run on this machine:
#   - per-core throughput at 1 rank x 1 thread             target >= 1.8e9 samples/s
#   - parallel efficiency 1 -> 2 ranks at 2e10 samples     target >= 95 %
#   - 1 rank x 2 threads, for the process-versus-thread comparison
#   - baselines: std::mt19937_64 + uniform_real_distribution (C++), the seed's Python
# Usage: scripts/bench/pi.sh [--samples 2e10] [--repeat 3]
# Prints a Markdown table and writes the raw JSON records to results/bench-pi-<UTC time>/.
# Exits 1 if a target is missed, 3 if the layouts disagree about the answer.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$PARAKIT_ROOT"

samples=2e10
repeat=3
while [ $# -gt 0 ]; do
  case "$1" in
    --samples) samples=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    *) echo "pi.sh: unknown argument '$1' (accepted: --samples N, --repeat R)" >&2; exit 2 ;;
  esac
done

parakit_release_build parakit pi_mt19937
out="results/bench-pi-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

pi_run() {  # name ranks threads [mpirun options...]
  local name=$1 ranks=$2 threads=$3
  shift 3
  mpirun -n "$ranks" "$@" build/bin/parakit pi --samples "$samples" --threads "$threads" \
    --repeat "$repeat" --warmup 1 --format json --output "$out/$name.json"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2
pi_run r1t1 1 1
pi_run r2t1 2 1
pi_run r1t2 1 2 --bind-to none
build/bin/pi_mt19937 200000000 >"$out/mt19937.json"
# The seed runs sample() through pandas' Series.apply: use an interpreter that has pandas if there is one.
python=python3
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import pandas' 2>/dev/null; then python=$candidate; break; fi
done
"$python" scripts/bench/seed_pi.py >"$out/seed_python.json"

python3 - "$out" "$samples" <<'PY'
import json, sys
out, samples = sys.argv[1], sys.argv[2]
load = lambda name: json.load(open(f"{out}/{name}.json"))
r11, r21, r12, mt, py = load("r1t1"), load("r2t1"), load("r1t2"), load("mt19937"), load("seed_python")
t11 = r11["timing"]["median_s"]
rows = [("seed Python " + py["python"] + " (" + py["how"] + ", 1 core)", py["samples"], py["seconds"], py["samples_per_s"], 1, None),
        ("C++ mt19937_64 + uniform_real_distribution (1 core)", mt["samples"], mt["seconds"], mt["samples_per_s"], 1, None)]
for name, r in (("parakit pi, 1 rank x 1 thread", r11), ("parakit pi, 2 ranks x 1 thread", r21),
                ("parakit pi, 1 rank x 2 threads", r12)):
    cores = r["ranks"] * r["threads_per_rank"]
    rows.append((name, r["samples"], r["timing"]["median_s"], r["throughput_per_s"], cores, t11 / (cores * r["timing"]["median_s"])))
print(f"| run | samples | median time | samples/s | per core | vs seed Python | efficiency |")
print(f"|---|---:|---:|---:|---:|---:|---:|")
for name, n, t, rate, cores, eff in rows:
    effs = f"{100 * eff:.1f} %" if eff is not None else ""
    print(f"| {name} | {n:.3g} | {t:.3f} s | {rate:.3g} | {rate / cores:.3g} | {rate / py['samples_per_s']:,.0f} x | {effs} |")
per_core = r11["throughput_per_core_per_s"]
eff2 = t11 / (2 * r21["timing"]["median_s"])
ok = per_core >= 1.8e9 and eff2 >= 0.95
print()
print(f"targets: per-core {per_core:.3g} samples/s (>= 1.8e9): {'met' if per_core >= 1.8e9 else 'MISSED'}; "
      f"1 -> 2 ranks efficiency {100 * eff2:.1f} % (>= 95 %): {'met' if eff2 >= 0.95 else 'MISSED'}")
same = r11["result"]["inside"] == r21["result"]["inside"] == r12["result"]["inside"]
print(f"inside counts identical across layouts: {same}")
print(f"records: {out}/")
sys.exit(3 if not same else 0 if ok else 1)
PY
