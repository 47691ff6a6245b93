#!/usr/bin/env python3
"""The seed's Pool.map program as a user runs it, end to end: the interpreter starts, imports pandas,
makes a Pool() (one process per CPU, the seed's default), maps the seed's sample() over
pd.Series([10**5, 20**5]) and prints the mean. scripts/bench/launch.sh times it from outside."""
import os
import sys
from multiprocessing import Pool

import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from seed_python import sample  # noqa: E402  (the course page's sample(), unchanged)

if __name__ == "__main__":
    ps = pd.Series([10**5, 20**5])
    with Pool() as p:
        result = p.map(sample, ps)
    print(sum(result) / len(result))
