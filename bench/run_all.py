"""`make bench`: every yardstick in turn (Y1-Y7), each printing its table and writing bench/results/<name>.json.

Y6 runs its default curve (63 ... 100,000 units at 1,000 samples); its 10^4-sample run at 100,000 units is
`y6_memory.py --samples 10000 --sizes 100000`, once, by hand (about 3 CPU-minutes)."""

from __future__ import annotations

import time

import y1_uncertainty
import y2_sobol
import y3_weight_robustness
import y4_grid
import y5_scale
import y6_memory
import y7_cli

if __name__ == "__main__":
    t0 = time.perf_counter()
    for module in (y1_uncertainty, y2_sobol, y3_weight_robustness, y4_grid, y5_scale, y6_memory, y7_cli):
        t = time.perf_counter()
        module.main()
        print(f"   ({module.__name__}: {time.perf_counter() - t:.0f} s)\n")
    print(f"all yardsticks: {time.perf_counter() - t0:.0f} s")
