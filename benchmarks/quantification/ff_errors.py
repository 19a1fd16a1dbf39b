#!/usr/bin/python3
"""Per-muscle, per-side fat-fraction and volume errors of `thighseg stats` tables against the Dixon phantom's truth.

Usage: ff_errors.py TRUTH_CSV STATS_WITH_TRUE_LABELS_DIR STATS_WITH_PREDICTED_LABELS_DIR
Each stats folder holds one subfolder per subject with muscle_statistics.csv. Prints a markdown table: per muscle and
side (muscles of at least 1 mL in the truth), the truth FF, and for true and predicted labels the FF error (percentage
points, estimate - truth) and the volume error (percent of the true volume), mean ± SD over subjects. Standard library only.
"""
import csv
import glob
import math
import os
import statistics
import sys


def read_stats(folder):
    rows = {}
    for path in glob.glob(os.path.join(folder, "*", "muscle_statistics.csv")):
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                rows[(r["case"], r["muscle"], r["side"])] = r
    return rows


def mean_sd(values):
    values = [v for v in values if math.isfinite(v)]
    if not values:
        return "n/a"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):+.2f} ± {sd:.2f}"


def main():
    truth_csv, true_dir, pred_dir = sys.argv[1:4]
    with open(truth_csv, newline="") as f:
        truth = [r for r in csv.DictReader(f)]
    stats = {"true": read_stats(true_dir), "pred": read_stats(pred_dir)}
    subjects = sorted({k[0] for k in stats["true"]})
    if not subjects:
        sys.exit(f"no muscle_statistics.csv under {true_dir}")
    order, groups = [], {}
    for r in truth:
        if r["subject"] not in subjects or float(r["volume_ml"]) < 1.0:
            continue
        key = (r["muscle"], r["side"])
        if key not in groups:
            order.append(key)
            groups[key] = {"ff": [], "true_ff": [], "true_vol": [], "pred_ff": [], "pred_vol": []}
        g = groups[key]
        ff, vol = float(r["fat_fraction"]), float(r["volume_ml"])
        g["ff"].append(100 * ff)
        for which in ("true", "pred"):
            s = stats[which].get((r["subject"], r["muscle"], r["side"]))
            est_ff = float(s["ff_mean"]) if s is not None and s["ff_mean"] not in ("", "NaN") else float("nan")
            est_vol = float(s["volume_ml"]) if s is not None else 0.0
            g[which + "_ff"].append(100 * (est_ff - ff))
            g[which + "_vol"].append(100 * (est_vol - vol) / vol)
    print(f"Test subjects: {len(subjects)}. Errors: estimate − truth, mean ± SD over subjects; FF in percentage points, volume in % of the true volume.")
    print()
    print("| muscle | side | true FF (%) | FF error, true labels (pp) | FF error, predicted labels (pp) | volume error, true labels (%) | volume error, predicted labels (%) |")
    print("|---|---|---|---|---|---|---|")
    pooled = {k: [] for k in ("true_ff", "pred_ff", "true_vol", "pred_vol")}
    for key in order:
        g = groups[key]
        for k in pooled:
            pooled[k] += g[k]
        print(f"| {key[0]} | {key[1]} | {statistics.fmean(g['ff']):.1f} | {mean_sd(g['true_ff'])} | {mean_sd(g['pred_ff'])} | "
              f"{mean_sd(g['true_vol'])} | {mean_sd(g['pred_vol'])} |")
    print(f"| all | both | | {mean_sd(pooled['true_ff'])} | {mean_sd(pooled['pred_ff'])} | {mean_sd(pooled['true_vol'])} | {mean_sd(pooled['pred_vol'])} |")
    absolute = [abs(v) for v in pooled["pred_ff"] if math.isfinite(v)]
    if absolute:
        print()
        print(f"Predicted labels: mean |FF error| {statistics.fmean(absolute):.2f} pp, largest {max(absolute):.2f} pp "
              f"({len(absolute)} muscle-side-subject values; {sum(1 for v in pooled['pred_ff'] if not math.isfinite(v))} undefined: muscle not predicted).")


if __name__ == "__main__":
    main()
