#!/usr/bin/env python3
"""One markdown table from a run.sh results folder: ms per step, ThighSeg vs PyTorch, fp32 defaults and the best
variant (channels-last + cuDNN autotuning + bf16 autocast) on both sides, plus the device checks and where the
BenchmarkDotNet reports are. Usage: summary.py RESULTS_DIR > summary.md"""
import json
import os
import sys


def rows(path):
    try:
        doc = json.load(open(path))
    except (OSError, ValueError):
        return "", {}
    return doc.get("header", ""), {r["Name"]: r for r in doc["rows"]}


def main():
    out = sys.argv[1]
    h_def, default = rows(os.path.join(out, "peer-default", "peer-results.json"))
    h_best, best = rows(os.path.join(out, "peer-best", "peer-results.json"))
    device = open(os.path.join(out, "device.txt")).read().strip().splitlines() if os.path.exists(os.path.join(out, "device.txt")) else []
    print("<!-- " + " | ".join(device[:3]) + " -->")
    print(f"<!-- default: {h_def} -->")
    print(f"<!-- best: {h_best} -->")
    print("| case | ThighSeg fp32 (ms) | PyTorch fp32 (ms) | ThighSeg best (ms) | PyTorch best (ms) | ThighSeg best / PyTorch best | output check (default; best) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name in list(default) + [n for n in best if n not in default]:
        d, b = default.get(name), best.get(name)
        f = lambda r, k: f"{r[k]:.2f}" if r else ""
        ratio = f"**{b['thighseg_ms'] / b['pytorch_ms']:.2f}**" if b and b["pytorch_ms"] > 0 else ""
        desc = (d or b)["description"]
        print(f"| {desc} | {f(d, 'thighseg_ms')} | {f(d, 'pytorch_ms')} | {f(b, 'thighseg_ms')} | {f(b, 'pytorch_ms')} | {ratio} | {(d or {}).get('check', '')}; {(b or {}).get('check', '')} |")
    checks = os.path.join(out, "checks.txt")
    if os.path.exists(checks):
        for line in open(checks):
            if line.startswith("| device checks"):
                print()
                print("| checks | result |")
                print("|---|---|")
                print(line.strip())
    print()
    print("BenchmarkDotNet reports (fp32/bf16 x NCHW/NHWC): bdn/results/*-report-github.md")


if __name__ == "__main__":
    main()
