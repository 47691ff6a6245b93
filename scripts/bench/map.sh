#!/usr/bin/env bash
# Benchmark of `parakit map`, every ratio measured side by side in one run on this machine:
#   1. the seed's Pool.map workload scaled up (--tasks 1e8,3.2e9) on 2 ranks x 1 thread:
#      static ~ the big task alone; split reaches >= 90 % parallel efficiency (vs 1 rank x 1 thread)
#   2. 10,000 tasks of ~1 ms under dynamic on 2 ranks: overhead per task <= 50 us
#   3. map exec, 2,000 trivial commands on 2 ranks: throughput >= GNU parallel -j2's
# Usage: scripts/bench/map.sh [--quick]   (--quick: a tenth of the work, for trying the script)
# Prints a Markdown table and writes the raw JSON records to results/bench-map-<UTC time>/.
# Exits 1 if a target is missed, 3 if the schedules disagree about the answer.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$PARAKIT_ROOT"

big="1e8,3.2e9" small_tasks=10000 small_samples=2300000 commands=2000
if [ "${1:-}" = "--quick" ]; then
  big="1e7,3.2e8" small_tasks=1000 commands=200
elif [ $# -gt 0 ]; then
  echo "map.sh: unknown argument '$1' (accepted: --quick)" >&2
  exit 2
fi
command -v parallel >/dev/null || { echo "map.sh: GNU parallel is missing: run scripts/install-deps.sh" >&2; exit 2; }
parakit_release_build parakit
out="results/bench-map-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
parakit=build/bin/parakit
now() { date +%s.%N; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2
# 1. The seed's workload: one task 32 times the other.
mpirun -n 1 $parakit map pi --tasks "$big" --schedule static --threads 1 --format json --output "$out/seed-1x1.json"
for s in static dynamic split; do
  mpirun -n 2 $parakit map pi --tasks "$big" --schedule $s --threads 1 --format json --output "$out/seed-2x1-$s.json"
done
# 2. Many small tasks: the cost of handing them out.
for _ in $(seq "$small_tasks"); do echo "$small_samples"; done >"$out/small-tasks.txt"
mpirun -n 1 $parakit map pi --tasks "@$out/small-tasks.txt" --schedule static --threads 1 --format json \
  --output "$out/small-1x1.json"
mpirun -n 2 $parakit map pi --tasks "@$out/small-tasks.txt" --schedule dynamic --threads 1 --format json \
  --output "$out/small-2x1-dynamic.json"
# 3. Trivial commands: parakit map exec against GNU parallel, both timed from outside (launch included).
seq "$commands" >"$out/commands.txt"
t0=$(now)
mpirun -n 2 $parakit map exec --tasks "@$out/commands.txt" --threads 1 --format json --output "$out/exec-2x1.json" -- true
t1=$(now)
parallel -j2 true <"$out/commands.txt"
t2=$(now)
echo "{\"start\": $t0, \"parakit_end\": $t1, \"parallel_end\": $t2, \"commands\": $commands}" >"$out/exec-wall.json"

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda name: json.load(open(f"{out}/{name}.json"))
ok, same = True, True
def verdict(met):
    global ok
    ok = ok and met
    return "met" if met else "MISSED"

one = load("seed-1x1")
t1 = one["result"]["makespan_s"]
print("| run | makespan | lower bound | efficiency vs 1x1 | imbalance |")
print("|---|---:|---:|---:|---:|")
print(f"| seed workload {one['samples']:.3g} samples, 1 rank x 1 thread | {t1:.3f} s | | 100 % | |")
eff = {}
for s in ("static", "dynamic", "split"):
    r = load(f"seed-2x1-{s}")
    same = same and [t["inside"] for t in r["result"]["tasks"]] == [t["inside"] for t in one["result"]["tasks"]]
    m = r["result"]["makespan_s"]
    eff[s] = t1 / (2 * m)
    print(f"| same, 2 ranks x 1 thread, {s}{' (chunk %d samples)' % r['chunk'] if s == 'split' else ''} | {m:.3f} s "
          f"| {r['result']['lower_bound_s']:.3f} s | {100 * eff[s]:.1f} % | {r['result']['imbalance']:.2f} |")
big = max(one["result"]["tasks"], key=lambda t: t["samples"])["busy_s"]
static = load("seed-2x1-static")["result"]["makespan_s"]
print()
print(f"static / big task alone: {static / big:.3f} (the big task bounds every schedule of whole tasks)")
print(f"target split >= 90 %: {100 * eff['split']:.1f} %: {verdict(eff['split'] >= 0.90)}")

small1, small2 = load("small-1x1"), load("small-2x1-dynamic")
n = small2["tasks"]
alone = sum(t["busy_s"] for t in small1["result"]["tasks"])
m2 = small2["result"]["makespan_s"]
overhead_us = (2 * m2 - alone) / n * 1e6
print(f"{n} tasks of {alone / n * 1e3:.2f} ms: 1x1 {small1['result']['makespan_s']:.3f} s, "
      f"2x1 dynamic {m2:.3f} s ({100 * alone / (2 * m2):.1f} % efficiency); "
      f"overhead per task (2 x makespan - work alone) / tasks = {overhead_us:.1f} us: {verdict(overhead_us <= 50)}; "
      f"of which slower work (busy 2x1 - busy 1x1) / tasks = "
      f"{(sum(t['busy_s'] for t in small2['result']['tasks']) - alone) / n * 1e6:.1f} us")
same = same and [t["inside"] for t in small1["result"]["tasks"]] == [t["inside"] for t in small2["result"]["tasks"]]

wall = load("exec-wall")
wall["parakit_s"], wall["parallel_s"] = wall["parakit_end"] - wall["start"], wall["parallel_end"] - wall["parakit_end"]
ex = load("exec-2x1")
rate_p, rate_g = wall["commands"] / wall["parakit_s"], wall["commands"] / wall["parallel_s"]
print(f"{wall['commands']} trivial commands on 2 workers: parakit map exec {wall['parakit_s']:.2f} s "
      f"({rate_p:.0f}/s, {ex['result']['failed']} failed), GNU parallel -j2 {wall['parallel_s']:.2f} s ({rate_g:.0f}/s): "
      f"{rate_p / rate_g:.1f} x: {verdict(rate_p >= rate_g and ex['result']['failed'] == 0)}")
print(f"results identical across schedules and layouts: {same}")
print(f"records: {out}/")
sys.exit(3 if not same else 0 if ok else 1)
PY
