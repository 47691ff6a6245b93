#!/usr/bin/env python3
"""pi by the midpoint rule over N points with mpi4py and NumPy: an MPI program that is not parakit's,
for the tests of `parakit compare|scale -- python3 mpi4py_pi.py N`. Rank 0 prints the result and the
time of the computation (not of Python's start-up): "pi P\ntime_s T"."""
import sys
import time

import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
comm.Barrier()
start = time.perf_counter()
first = n * comm.rank // comm.size
last = n * (comm.rank + 1) // comm.size
mine = 0.0
for block in range(first, last, 1 << 13):  # 64 KiB blocks: cache-sized, reused, no page faults
    x = (np.arange(block, min(block + (1 << 13), last), dtype=np.float64) + 0.5) / n
    mine += np.sum(4.0 / (1.0 + x * x))
mine /= n
total = comm.reduce(mine, op=MPI.SUM, root=0)
took = time.perf_counter() - start
if comm.rank == 0:
    print(f"pi {total:.15f}")
    print(f"time_s {took:.9f}")
