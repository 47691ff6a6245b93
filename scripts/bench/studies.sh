#!/usr/bin/env bash
# Benchmark of the studies (`parakit compare`, `parakit scale`), every figure measured in one run here:
#   1. compare pi on all cores: the layouts side by side (median, speedup, efficiency, launch cost)
#   2. the launch cost of an empty run, default Open MPI transports vs the fast single-node profile
#   3. the seed's own workload (--samples 100000,3200000) against the seed's three Python versions
#   4. strong scaling 1..all cores with the Amdahl fit
# Checks: the outside wall clock of every parakit launch agrees with launch + runs x median within 5 %,
# and the fast profile starts faster than the default. Exits 1 if a check fails.
# Usage: scripts/bench/studies.sh [--quick]   (--quick: a tenth of the work)
# Prints a Markdown summary; the JSON records go to results/bench-studies-<UTC time>/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$PARAKIT_ROOT"

samples=8e9
if [ "${1:-}" = "--quick" ]; then
  samples=8e8
elif [ $# -gt 0 ]; then
  echo "studies.sh: unknown argument '$1' (accepted: --quick)" >&2
  exit 2
fi
parakit_release_build parakit
out="results/bench-studies-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
parakit=build/bin/parakit
cores=$(nproc)
echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >&2

$parakit compare pi --samples "$samples" --cores "$cores" --repeat 5 --json "$out/compare.json" --plot "$out/compare.png" >&2
$parakit compare pi --samples 1e6 --cores "$cores" --repeat 10 --fast-launch off --json "$out/launch-default.json" >/dev/null
$parakit compare pi --samples 1e6 --cores "$cores" --repeat 10 --json "$out/launch-fast.json" >/dev/null
$parakit compare pi --cores "$cores" --repeat 5 --with-python --json "$out/python.json" --plot "$out/python.png" >&2
cores_list=1
for ((c = 2; c <= cores; c *= 2)); do cores_list+=",$c"; done
$parakit scale strong pi --samples "$samples" --cores "$cores_list" --repeat 5 --json "$out/strong.json" \
  --plot "$out/strong" >&2

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda name: json.load(open(f"{out}/{name}.json"))
ok = True
def check(met):
    global ok
    ok = ok and met
    return "met" if met else "MISSED"
ms = lambda s: f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.3f} s"

c = load("compare")
print(f"### compare pi --samples {c['work']:.3g} --cores {c['cores']} ({c['launcher'].split(';')[0]})\n")
print("| layout | median | spread | speedup | efficiency | launch | comm share | wall vs launch + runs x median |")
print("|---|---|---|---|---|---|---|---|")
worst = 0.0
for r in c["rows"]:
    worst = max(worst, abs(r["wall_error"]))
    print(f"| {r['layout']} | {ms(r['median_s'])} | {ms(r['spread_s'])} | {r['speedup']:.3f} | "
          f"{100 * r['efficiency']:.1f} % | {ms(r['launch_s'])} | {100 * r['comm_share']:.2f} % | "
          f"{100 * r['wall_error']:+.2f} % |")
for v in c["comparisons"]:
    print(f"\n{v['text']}")
print(f"\nwall-clock cross-check: largest disagreement {100 * worst:.2f} % (target <= 5 %: {check(worst <= 0.05)})")

d, f = load("launch-default"), load("launch-fast")
print("\n### launch cost of an empty run (median of 10), default transports vs fast single-node profile\n")
print("| layout | default | fast | ratio |")
print("|---|---|---|---|")
for rd, rf in zip(d["rows"], f["rows"]):
    print(f"| {rd['layout']} | {ms(rd['launch_s'])} | {ms(rf['launch_s'])} | "
          f"{rd['launch_s'] / rf['launch_s']:.2f} x ({check(rf['launch_s'] < rd['launch_s'])}) |")

p = load("python")
print(f"\n### the seed's workload (--samples 100000,3200000) on {p['cores']} cores, parakit vs the seed's Python\n")
print("| row | median | launch | vs parakit 1x1 |")
print("|---|---|---|---|")
base = p["rows"][0]["median_s"]
for r in p["rows"]:
    print(f"| {r['layout']} | {ms(r['median_s'])} | {ms(r['launch_s'])} | {r['median_s'] / base:,.0f} x slower |"
          if r["implementation"] == "python" else
          f"| parakit {r['layout']} | {ms(r['median_s'])} | {ms(r['launch_s'])} | {r['speedup']:.2f} x faster |")

s = load("strong")
print(f"\n### strong scaling pi --samples {s['rows'][0]['work']:.3g}, cores {[r['cores'] for r in s['rows']]}\n")
print("| cores | median | speedup | efficiency | Karp-Flatt |")
print("|---|---|---|---|---|")
for r in s["rows"]:
    kf = "-" if r["karp_flatt"] is None else f"{r['karp_flatt']:.4f}"
    print(f"| {r['cores']} | {ms(r['median_s'])} | {r['speedup']:.3f} | {100 * r['efficiency']:.1f} % | {kf} |")
if s["fit"]:
    r2 = s["fit"]["r_squared"]
    print(f"\nAmdahl fit: serial fraction {s['fit']['serial_fraction']:.4f}, R^2 "
          + ("-" if r2 is None else f"{r2:.4f}") + (f" ({s['fit']['note']})" if "note" in s["fit"] else ""))
print(f"\nrecords and plots: {out}/")
sys.exit(0 if ok else 1)
PY
