#!/usr/bin/env python3
"""The seed's three Python versions of Monte Carlo pi, timed on given work, for `parakit compare
--with-python` (and by hand). sample() is the course page's, unchanged; each entry of --samples is one
task, as in the seed's pd.Series([10**5, 20**5]).

  --how pandas  Series.apply(sample).mean()                       (one process, one thread)
  --how pool    multiprocessing.Pool(workers).map(sample, series)  (the pool is made inside the timing,
                                                                    as the seed's %%timeit did)
  --how dask    dd.from_pandas(series, npartitions=workers).apply(sample, meta=...).mean().compute()
                (dask's default scheduler for dataframes, as in the seed)
  --how empty   imports only: the interpreter's fixed start-up cost

Prints one JSON line: how, samples, workers, times_s (one per repeat), estimate, python, versions."""
import argparse
import json
import random
import sys
import time


def sample(n):
    n_inside_circle = 0
    for i in range(n):
        x = random.random()
        y = random.random()
        if x**2 + y**2 < 1.0:
            n_inside_circle += 1
    return n_inside_circle / n * 4


def count(text):
    value = float(text)
    if value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of samples")
    return int(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--how", choices=["pandas", "pool", "dask", "empty"], required=True)
    parser.add_argument("--samples", default="100000,3200000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    try:
        sizes = [count(s) for s in args.samples.split(",")]
    except (ValueError, argparse.ArgumentTypeError) as e:
        parser.error(f"--samples: {e}")
    try:
        from multiprocessing import Pool

        import dask
        import dask.dataframe as dd
        import pandas as pd
    except ImportError as e:
        print(f"seed_python.py: error: {e} (Debian: apt-get install python3-pandas python3-dask)",
              file=sys.stderr)
        return 2
    random.seed(args.seed)
    ps = pd.Series(sizes)

    def run():
        if args.how == "pandas":
            return ps.apply(sample).mean()
        if args.how == "pool":
            with Pool(args.workers) as p:
                return sum(p.map(sample, ps)) / len(ps)
        ds = dd.from_pandas(ps, npartitions=max(1, min(args.workers, len(ps))))
        return ds.apply(sample, meta=("x", "float64")).mean().compute()

    times, estimate = [], None
    if args.how != "empty":
        for r in range(args.warmup + args.repeat):
            start = time.perf_counter()
            estimate = float(run())
            seconds = time.perf_counter() - start
            if r >= args.warmup:
                times.append(seconds)
    print(json.dumps({"how": args.how, "samples": sum(sizes), "workers": args.workers, "times_s": times,
                      "estimate": estimate, "python": sys.version.split()[0],
                      "versions": {"pandas": pd.__version__, "dask": dask.__version__}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
