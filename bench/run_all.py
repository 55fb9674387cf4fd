"""`make bench`: every yardstick in turn (Y1-Y7), each printing its table and writing bench/results/<name>.json."""

from __future__ import annotations

import time

import y1_uncertainty
import y2_sobol
import y3_weight_robustness
import y4_grid
import y5_scale
import y7_cli

if __name__ == "__main__":
    t0 = time.perf_counter()
    for module in (y1_uncertainty, y2_sobol, y3_weight_robustness, y4_grid, y5_scale, y7_cli):
        t = time.perf_counter()
        module.main()
        print(f"   ({module.__name__}: {time.perf_counter() - t:.0f} s)\n")
    print(f"all yardsticks: {time.perf_counter() - t0:.0f} s")
