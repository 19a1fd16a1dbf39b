#!/usr/bin/python3
"""Reference for ThighSeg's DICOM reader: reads real third-party DICOM files with pydicom + numpy and prints one JSON
object with, per file, either what a reader must produce or why it must refuse the file.

Usage: /usr/bin/python3 dicom_reference.py [FILE ...]
Without arguments it covers a fixed list of pydicom's own test files. Exit codes: 0 ok, 3 a module is missing
(the JSON says which).

For a readable file the record holds rows, cols, pixel spacing ([row spacing, column spacing] as DICOM stores it),
ImagePositionPatient / ImageOrientationPatient, the rescaled voxel statistics (float64) and sampled pixels given by
stored (row, col) with their rescaled value and the RAS+ world coordinate of the pixel centre, computed here directly
from the DICOM attributes: LPS = IPP + col*colSpacing*rowDir + row*rowSpacing*colDir, RAS = (-L, -P, S).
Pixel values are computed with numpy from the raw stored words (mask to BitsStored below HighBit, sign-extend when
PixelRepresentation is 1, then slope/intercept), independently of pydicom's pixel handlers where it matters.
"""
import json
import os
import sys


def missing(what):
    print(json.dumps({"missing": what}))
    sys.exit(3)


try:
    import numpy as np
except ImportError:
    missing("numpy")
try:
    import pydicom
except ImportError:
    missing("pydicom")

NATIVE = {
    "1.2.840.10008.1.2": "Implicit VR Little Endian",
    "1.2.840.10008.1.2.1": "Explicit VR Little Endian",
    "1.2.840.10008.1.2.1.99": "Deflated Explicit VR Little Endian",
    "1.2.840.10008.1.2.2": "Explicit VR Big Endian",
}

DEFAULT_FILES = [
    "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_padded.dcm",
    "CT_small.dcm", "image_dfl.dcm", "rtdose_1frame.dcm", "rtdose_expb_1frame.dcm",
    "MR_truncated.dcm", "MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm",
    "JPEG-lossy.dcm", "JPEG2000.dcm", "rtdose.dcm", "SC_rgb_small_odd.dcm", "liver_1frame.dcm",
    "ExplVR_LitEndNoMeta.dcm", "no_meta.dcm",
]


def data_dir():
    return os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")


def stored_values(ds):
    """Stored integer values (rows x cols, int64) from the raw pixel bytes, per PS3.5 8.1.1 / PS3.3 C.7.6.3."""
    rows, cols = int(ds.Rows), int(ds.Columns)
    ba, bs = int(ds.BitsAllocated), int(ds.get("BitsStored", ds.BitsAllocated))
    hb = int(ds.get("HighBit", bs - 1))
    signed = int(ds.get("PixelRepresentation", 0)) == 1
    endian = "<" if ds.is_little_endian else ">"
    dtype = {8: "u1", 16: "u2", 32: "u4"}[ba]
    nbytes = rows * cols * ba // 8
    raw = bytes(ds.PixelData)
    if len(raw) < nbytes:
        raise ValueError(f"pixel data holds {len(raw)} bytes, {nbytes} needed")
    words = np.frombuffer(raw[:nbytes], dtype=endian + dtype).astype(np.int64).reshape(rows, cols)
    words = (words >> (hb + 1 - bs)) & ((1 << bs) - 1)
    if signed:
        words = np.where(words >= (1 << (bs - 1)), words - (1 << bs), words)
    return words


def describe(path):
    rec = {"name": os.path.basename(path), "path": path}
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as e:  # pydicom itself cannot parse it
        rec.update(expect="refuse", reason=f"pydicom cannot parse: {e}")
        return rec
    meta = getattr(ds, "file_meta", None)
    ts = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
    rec["transfer_syntax"] = ts
    rec["sop_class"] = str(ds.get("SOPClassUID", ""))
    if "PixelData" not in ds or "Rows" not in ds:
        rec.update(expect="refuse", reason="no pixel data")
        return rec
    if ts and ts not in NATIVE:
        rec.update(expect="refuse", reason=f"compressed transfer syntax {ts}")
        return rec
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        rec.update(expect="refuse", reason=f"multi-frame ({ds.NumberOfFrames} frames)")
        return rec
    if int(ds.get("SamplesPerPixel", 1)) != 1:
        rec.update(expect="refuse", reason=f"SamplesPerPixel {ds.SamplesPerPixel}")
        return rec
    if int(ds.BitsAllocated) not in (8, 16, 32):
        rec.update(expect="refuse", reason=f"BitsAllocated {ds.BitsAllocated}")
        return rec
    try:
        stored = stored_values(ds)
        # Cross-check against pydicom's own decoder where it can decode.
        arr = ds.pixel_array
        if not np.array_equal(arr.astype(np.int64), stored):
            raise ValueError("numpy decoding disagrees with pydicom.pixel_array")
    except Exception as e:
        rec.update(expect="refuse", reason=f"pixel data unreadable: {e}")
        return rec

    slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
    intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
    values = stored.astype(np.float64) * slope + intercept
    rows, cols = int(ds.Rows), int(ds.Columns)
    rec.update(
        expect="read",
        rows=rows, cols=cols,
        bits_allocated=int(ds.BitsAllocated), signed=int(ds.get("PixelRepresentation", 0)) == 1,
        slope=slope, intercept=intercept,
        sum=float(values.sum()), min=float(values.min()), max=float(values.max()), mean=float(values.mean()),
    )
    spacing = [float(v) for v in ds.PixelSpacing] if "PixelSpacing" in ds else None
    ipp = [float(v) for v in ds.ImagePositionPatient] if "ImagePositionPatient" in ds else None
    iop = [float(v) for v in ds.ImageOrientationPatient] if "ImageOrientationPatient" in ds else None
    rec.update(pixel_spacing=spacing, position=ipp, orientation=iop)

    picks = [(0, 0), (rows - 1, cols - 1), (0, cols - 1), (rows - 1, 0), (rows // 2, cols // 3), (rows // 3, (2 * cols) // 3)]
    picks.append(tuple(int(v) for v in np.unravel_index(np.argmax(values), values.shape)))
    picks.append(tuple(int(v) for v in np.unravel_index(np.argmin(values), values.shape)))
    samples = []
    for r, c in picks:
        s = {"row": r, "col": c, "value": float(values[r, c])}
        if ipp is not None and iop is not None and spacing is not None:
            rd, cd = np.array(iop[:3]), np.array(iop[3:])
            lps = np.array(ipp) + c * spacing[1] * rd + r * spacing[0] * cd
            s["ras"] = [float(-lps[0]), float(-lps[1]), float(lps[2])]
        samples.append(s)
    rec["samples"] = samples
    return rec


def main():
    files = sys.argv[1:] or [os.path.join(data_dir(), f) for f in DEFAULT_FILES]
    records = [describe(f) for f in files if os.path.exists(f)]
    print(json.dumps({"pydicom": pydicom.__version__, "numpy": np.__version__, "files": records}))
    return 0


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    sys.exit(main())
