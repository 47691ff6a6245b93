#!/usr/bin/env python3
"""The pandas baseline of `parakit stats`: read_csv(FILE)[COLUMN](.apply(f)).describe(), timed from inside.

Usage: pandas_describe.py FILE [--column NAME] [--apply-log] [--repeat N]
Prints one JSON object: the statistics and the best and median time of the repeats (reading included,
interpreter start-up and imports excluded: that is parakit's launch cost, reported apart)."""
import argparse
import json
import statistics
import time

import numpy as np
import pandas as pd


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--column", default=None, help="column name (default: the first)")
    parser.add_argument("--apply-log", action="store_true", help="apply numpy.log before describe()")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        frame = pd.read_csv(args.file)
        series = frame[args.column] if args.column else frame.iloc[:, 0]
        if args.apply_log:
            series = series.apply(np.log)
        d = series.describe()
        times.append(time.perf_counter() - start)
    print(json.dumps({
        "tool": f"pandas {pd.__version__}",
        "count": int(d["count"]), "mean": float(d["mean"]), "std": float(d["std"]),
        "min": float(d["min"]), "p25": float(d["25%"]), "p50": float(d["50%"]),
        "p75": float(d["75%"]), "max": float(d["max"]),
        "times_s": times, "best_s": min(times), "median_s": statistics.median(times),
    }))


if __name__ == "__main__":
    main()
