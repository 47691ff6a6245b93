#!/usr/bin/env python3
"""The seed's Monte Carlo pi, timed: sample() exactly as in the course page, applied to the seed's
series [10**5, 20**5] (pandas' Series.apply when pandas is installed, else a plain map: for two
elements the difference is noise). Prints one JSON line: samples, seconds, samples_per_s, estimate."""
import json
import os
import random
import sys
import time

# The seed's sample(), unchanged, lives in scripts/seed_python.py (also used by compare --with-python).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from seed_python import sample  # noqa: E402




def main():
    sizes = [10**5, 20**5]
    random.seed(42)
    try:
        import pandas as pd
        series, how = pd.Series(sizes), "pandas.Series.apply"
        start = time.perf_counter()
        estimate = series.apply(sample).mean()
    except ImportError:
        how = "map (pandas not installed)"
        start = time.perf_counter()
        results = list(map(sample, sizes))
        estimate = sum(results) / len(results)
    seconds = time.perf_counter() - start
    total = sum(sizes)
    print(json.dumps({"samples": total, "seconds": seconds, "samples_per_s": total / seconds,
                      "estimate": estimate, "how": how, "python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
