#!/usr/bin/python3
"""Reference reader for ThighSeg's NIfTI tests: what nibabel says about NIfTI files.

Usage: /usr/bin/python3 nifti_reference.py SPEC [SPEC ...]
  SPEC is a path, optionally followed by '@T' to read volume T (0-based) of a 4D file.
Prints one JSON list with, per SPEC: shape (x, y, z), spacing (column norms of the affine, mm), zooms (pixdim),
affine (4x4, RAS+), datatype (stored dtype name), sform_code, qform_code, qform (nibabel's
qform affine, or null when qform_code is 0), sum/mean/min/max of the scaled data
(nibabel get_fdata, float64, NaN ignored) of the chosen volume, nan_count, samples [[i, j, k, value-as-float32], ...] at deterministic
voxels, and extensions [[ecode, text], ...]. Needs nibabel and numpy (Debian: python3-nibabel).
"""
import json
import sys

import nibabel as nib
import numpy as np


def sample_indices(shape, count=16):
    nx, ny, nz = shape
    n = nx * ny * nz
    corners = [(0, 0, 0), (nx - 1, ny - 1, nz - 1), (nx - 1, 0, 0), (0, ny - 1, nz - 1)]
    picks = [((k * 7919 + 13) % n) for k in range(count)]
    out = corners + [(p % nx, (p // nx) % ny, p // (nx * ny)) for p in picks]
    return out


def num(v):
    """A float for JSON; NaN and infinities as the strings "NaN", "Infinity", "-Infinity"."""
    v = float(v)
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def describe(spec):
    path, _, vol = spec.partition("@")
    img = nib.load(path)
    hdr = img.header
    data = img.get_fdata(dtype=np.float64)
    if data.ndim == 4:
        data = data[..., int(vol) if vol else 0]
    elif data.ndim < 3:
        data = data.reshape(data.shape + (1,) * (3 - data.ndim))
    aff = img.affine
    spacing = np.sqrt((aff[:3, :3] ** 2).sum(axis=0))
    exts = []
    for e in getattr(hdr, "extensions", []):
        content = e.get_content()
        if isinstance(content, bytes):
            content = content.rstrip(b"\0").decode("utf-8", "replace")
        exts.append([int(e.get_code()), str(content)])
    return {
        "spec": spec,
        "nibabel": nib.__version__,
        "class": type(img).__name__,
        "shape": [int(s) for s in data.shape[:3]],
        "spacing": [float(s) for s in spacing],
        "zooms": [float(z) for z in hdr.get_zooms()[:3]],
        "affine": [[float(v) for v in row] for row in aff],
        "datatype": np.dtype(hdr.get_data_dtype()).newbyteorder("=").name,
        "sform_code": int(hdr["sform_code"]),
        "qform": [[float(v) for v in row] for row in hdr.get_qform()] if int(hdr["qform_code"]) > 0 else None,
        "qform_code": int(hdr["qform_code"]),
        "sum": float(np.nansum(data)),
        "mean": float(np.nanmean(data)),
        "min": float(np.nanmin(data)),
        "max": float(np.nanmax(data)),
        "nan_count": int(np.isnan(data).sum()),
        "samples": [[i, j, k, num(np.float32(data[i, j, k]))] for (i, j, k) in sample_indices(data.shape[:3])],
        "extensions": exts,
    }


def main(argv):
    json.dump([describe(s) for s in argv[1:]], sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
