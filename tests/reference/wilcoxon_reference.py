#!/usr/bin/python3
"""Reference p-values for ThighSeg's paired Wilcoxon signed-rank test, from scipy.stats.wilcoxon (two-sided).

Run with Debian's interpreter (/usr/bin/python3, python3-scipy). Prints one JSON object: for every case its inputs
(x, y), the conventions passed to SciPy (zero_method, correction, mode) and SciPy's statistic and p-value.
tests/ThighSeg.Core.Tests/Statistics/WilcoxonSignedRankTestTests.cs runs this script and compares.

mode is chosen explicitly where SciPy's "auto" differs from ThighSeg's rule (SciPy 1.10 uses the exact distribution
even with ties; ThighSeg, like R, switches to the normal approximation when there are ties or zeros).
"""
import json
import sys
import warnings

import numpy as np
from scipy.stats import wilcoxon


def cases():
    rng = np.random.default_rng(20241127)
    out = {}
    # Small n, no ties, no zeros: exact distribution.
    out["exact_n8"] = (rng.normal(0.85, 0.05, 8), rng.normal(0.82, 0.05, 8), "wilcox", True, "exact")
    out["exact_n20_shifted"] = (rng.normal(0.90, 0.03, 20) + 0.02, rng.normal(0.90, 0.03, 20), "wilcox", True, "exact")
    out["exact_n50"] = (rng.normal(0, 1, 50), rng.normal(0.3, 1, 50), "wilcox", True, "exact")
    # Larger n: normal approximation with and without continuity correction.
    a = rng.normal(0, 1, 60)
    b = rng.normal(0.25, 1, 60)
    out["approx_n60_corrected"] = (a, b, "wilcox", True, "approx")
    out["approx_n60_uncorrected"] = (a, b, "wilcox", False, "approx")
    # Ties among the differences (values rounded to 2 decimals, like Dice scores in a table).
    tx = np.round(rng.normal(0.80, 0.04, 15), 2)
    ty = np.round(tx - np.round(rng.normal(0.01, 0.02, 15), 2), 2)
    tx[0], ty[0] = 0.80, 0.75  # make sure a difference is non-zero
    ties = (tx, ty)
    out["ties_n15"] = (ties[0], ties[1], "wilcox", True, "approx")
    # Zero differences: Wilcox (drop) and Pratt.
    zx = np.array([0.91, 0.88, 0.93, 0.85, 0.90, 0.87, 0.92, 0.89, 0.86, 0.94, 0.80, 0.83])
    zy = np.array([0.91, 0.86, 0.90, 0.85, 0.87, 0.88, 0.92, 0.84, 0.85, 0.90, 0.78, 0.83])
    out["zeros_wilcox"] = (zx, zy, "wilcox", True, "approx")
    out["zeros_pratt"] = (zx, zy, "pratt", True, "approx")
    out["zeros_pratt_uncorrected"] = (zx, zy, "pratt", False, "approx")
    return out


def main():
    result = {}
    for name, (x, y, zero_method, correction, mode) in cases().items():
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = wilcoxon(x, y, zero_method=zero_method, correction=correction, mode=mode, alternative="two-sided")
        result[name] = {
            "x": [float(v) for v in x],
            "y": [float(v) for v in y],
            "zero_method": zero_method,
            "correction": correction,
            "mode": mode,
            "statistic": float(r.statistic),
            "pvalue": float(r.pvalue),
        }
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
