#!/usr/bin/env bash
# Benchmark of the task-graph scheduler (issue #20), every ratio measured side by side in one run, on
# 2 ranks x 1 thread, with tasks that busy-wait for their known cost (graph_bench, scripts/bench/graph_bench.cpp):
#   1. scheduling overhead per task, (workers x makespan - work) / tasks, of 10,000 independent tasks
#      of 1 ms through the farm (mpi::run_farm, dynamic) and through the graph (mpi::run_graph),
#      alternating                                                          target: graph's <= farm's
#   2. a random DAG of 10,000 tasks (kernels::random_task_graph: costs 0.5-1.5 ms, up to 3 predecessors
#      among the previous 75): makespan / lower bound max(critical path, work / workers)   target <= 1.1
#   3. critical-path order against fifo on 1,000 tasks of 1 ms declared before a chain of 100 tasks of
#      10 ms (fifo starts the chain last and runs it alone), alternating   target: critical path faster
# Every figure is the median of 3 repetitions after 1 warm-up, within one launch per section. A task spins
# on the clock, so it takes at least its cost in wall time whatever else shares its core: the overhead's
# work is the tasks' known costs, and time a worker lost to other threads counts as overhead. The lower
# bound is report::graph_figures' (from the tasks' measured durations); the bound from the known costs is
# shown beside it. Each run is checked: every task once, after all of its predecessors (exit 3 if not).
# Usage: scripts/bench/graph.sh [--quick]   (about 2 minutes; --quick: a tenth of the tasks, indicative only)
# Binaries: build/bin (built by the release preset when missing); PARAKIT_BENCH_BUILD=DIR takes DIR/bin
# instead (a build with PARAKIT_BUILD_BENCHMARKS=ON holding graph_bench).
# Prints a Markdown table (stdout; progress on stderr); the JSON records go to results/bench-graph-<UTC time>/.
# Exits 1 if a target is missed, 3 if a run broke a dependency or lost a task.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$PARAKIT_ROOT"

tasks=10000 shorts=1000
if [ "${1:-}" = "--quick" ]; then
  tasks=1000 shorts=100
elif [ $# -gt 0 ]; then
  echo "graph.sh: unknown argument '$1' (accepted: --quick)" >&2
  exit 2
fi
parakit_bench_binaries graph_bench || exit 2
bin=$PARAKIT_BENCH_BIN
out="results/bench-graph-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
cores=$(nproc)
# The single-node launch profile `parakit compare`/`scale` use (shared-memory transport only), where unset.
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1} OMPI_MCA_btl=${OMPI_MCA_btl:-self,vader} OMPI_MCA_osc=${OMPI_MCA_osc:-^ucx}

echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cut -d' ' -f1-3 /proc/loadavg >"$out/load-start.txt"
# What other processes took of the machine during a launch: the CPUs' busy time less this script's
# children's, over the launch's wall time x the cores (the machine is shared: the table shows it).
machine_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }  # clock ticks
own_cpu() { awk '{print $16 + $17}' "/proc/$$/stat"; }  # waited-for children: user + system ticks
launch() {  # name graph_bench-arguments...: one launch on 2 ranks x 1 thread, its JSON in $out/name.json
  local name=$1 b0 c0 t0 b1 c1 t1
  shift
  echo "graph.sh: $name" >&2
  b0=$(machine_busy) c0=$(own_cpu) t0=$(date +%s.%N)
  mpirun -n 2 "$bin/graph_bench" "$@" --threads 1 --repeat 3 --warmup 1 >"$out/$name.json"
  b1=$(machine_busy) c1=$(own_cpu) t1=$(date +%s.%N)
  awk -v db=$((b1 - b0)) -v dc=$((c1 - c0)) -v t0="$t0" -v t1="$t1" -v n="$cores" \
    'BEGIN {x = (db - dc) / (100 * (t1 - t0) * n); printf "%.4f\n", x < 0 ? 0 : x}' >"$out/$name.others"
}
launch overhead overhead --tasks "$tasks" --cost-ms 1
launch random random --tasks "$tasks" --cost-ms 1
launch order order --tasks "$shorts" --cost-ms 1
cut -d' ' -f1-3 /proc/loadavg >"$out/load-end.txt"

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda name: json.load(open(f"{out}/{name}.json"))
others = lambda name: f"{100 * float(open(f'{out}/{name}.others').read()):.0f} %"
ok = True
def verdict(met):
    global ok
    ok = ok and met
    return "met" if met else "MISSED"

o, r, c = load("overhead"), load("random"), load("order")
print(f"2 ranks x 1 thread; median of {o['repeat']} runs after {o['warmup']} warm-up; load average "
      f"{open(f'{out}/load-start.txt').read().strip()} at the start, {open(f'{out}/load-end.txt').read().strip()} at the end")
print()
print("| run | tasks | makespan | lower bound | makespan / bound | / bound of the known costs | overhead per task | others |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
def row(label, name, rec, run):
    print(f"| {label} | {rec['tasks']} | {run['makespan_s']:.3f} s | {run['lower_bound_s']:.3f} s | "
          f"{run['ratio']:.3f} | {run['ratio_to_planned_bound']:.3f} | {run['overhead_per_task_us']:.1f} us | {others(name)} |")
row("independent tasks of ~1 ms, farm (`run_farm`, dynamic)", "overhead", o, o["farm"])
row("same, graph (`run_graph`, no edges)", "overhead", o, o["critical_path"])
row(f"random DAG ({r['edges']} edges), critical-path order", "random", r, r["critical_path"])
row(f"short tasks, then a chain ({c['edges']} edges), critical-path order", "order", c, c["critical_path"])
row("same, fifo", "order", c, c["fifo"])
print()
fo, go = o["farm"]["overhead_per_task_us"], o["critical_path"]["overhead_per_task_us"]
print(f"overhead per task: graph {go:.1f} us, farm {fo:.1f} us: {verdict(go <= fo)}")
ratio = r["critical_path"]["ratio"]
print(f"random DAG: makespan / lower bound {ratio:.3f} (simulated without overhead: "
      f"{r['critical_path']['simulated_s'] / r['planned_lower_bound_s']:.3f} of the planned bound): {verdict(ratio <= 1.1)}")
cp, ff = c["critical_path"]["makespan_s"], c["fifo"]["makespan_s"]
print(f"critical path {cp:.3f} s against fifo {ff:.3f} s ({ff / cp:.2f} x; simulated "
      f"{c['critical_path']['simulated_s']:.3f} s against {c['fifo']['simulated_s']:.3f} s): {verdict(cp < ff)}")
print(f"records: {out}/")
sys.exit(0 if ok else 1)
PY
