#!/usr/bin/python3
"""nibabel peer for NiftiReadBenchmarks: times nib.load(p).get_fdata() on the same file.

Usage: /usr/bin/python3 benchmarks/peer/nibabel_read.py [PATH] [REPEATS]
PATH defaults to $TMPDIR/thighseg-bench/phantom_512x512x200_int16.nii.gz (written by the C# benchmark's GlobalSetup).
Prints each run and min/median/mean in milliseconds.
"""
import os
import statistics
import sys
import tempfile
import time

import nibabel as nib


def main():
    default = os.path.join(tempfile.gettempdir(), "thighseg-bench", "phantom_512x512x200_int16.nii.gz")
    path = sys.argv[1] if len(sys.argv) > 1 else default
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    times = []
    for i in range(repeats + 1):
        t0 = time.perf_counter()
        data = nib.load(path).get_fdata()
        dt = (time.perf_counter() - t0) * 1000
        checksum = float(data[data.shape[0] // 2, data.shape[1] // 2, data.shape[2] // 2])
        del data
        if i == 0:
            print(f"warm-up: {dt:.1f} ms")
            continue
        times.append(dt)
        print(f"run {i}: {dt:.1f} ms (centre voxel {checksum})")
    print(f"nibabel {nib.__version__} get_fdata on {path}: min {min(times):.1f} ms, "
          f"median {statistics.median(times):.1f} ms, mean {statistics.mean(times):.1f} ms over {repeats} runs")


if __name__ == "__main__":
    main()
