#!/usr/bin/python3
"""Reference for ThighSeg's DICOM reader: reads real third-party DICOM files with pydicom + numpy and prints one JSON
object with, per file, either what a reader must produce or why it must refuse the file.

Usage: /usr/bin/python3 dicom_reference.py [--all | FILE ...]
Without arguments it covers a fixed list of pydicom's own test files; --all covers every file of pydicom's test
set. Exit codes: 0 ok, 3 a module is missing (the JSON says which).

Compressed files: RLE Lossless is decoded by pydicom itself (its numpy RLE handler). JPEG (lossless, baseline,
extended) is decompressed by dcmtk's `dcmdjpeg` (IJG code, independent of ThighSeg and of pydicom) into a temporary
file that is then read as uncompressed data; such records say "reference": "dcmdjpeg" and "lossy": true for the
DCT-based syntaxes (a different IDCT may differ by a unit or two). JPEG-LS and JPEG 2000 files must be refused (this
pydicom installation has no decoder for them either). Each readable record also holds "values_b64": the rescaled
values as float32 little endian in stored row-major order.

For a readable file the record holds rows, cols, pixel spacing ([row spacing, column spacing] as DICOM stores it),
ImagePositionPatient / ImageOrientationPatient, the rescaled voxel statistics (float64) and sampled pixels given by
stored (row, col) with their rescaled value and the RAS+ world coordinate of the pixel centre, computed here directly
from the DICOM attributes: LPS = IPP + col*colSpacing*rowDir + row*rowSpacing*colDir, RAS = (-L, -P, S).
Pixel values are computed with numpy from the raw stored words (mask to BitsStored below HighBit, sign-extend when
PixelRepresentation is 1, then slope/intercept), independently of pydicom's pixel handlers where it matters.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile


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
    "MR_small_RLE.dcm", "rtdose_rle_1frame.dcm", "JPEG-lossy.dcm", "JPGExtended.dcm",
    "MR_truncated.dcm", "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm",
    "JPEG2000.dcm", "rtdose.dcm", "SC_rgb_small_odd.dcm", "liver_1frame.dcm",
    "ExplVR_LitEndNoMeta.dcm", "no_meta.dcm",
]
RLE = "1.2.840.10008.1.2.5"
JPEG_LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"}
JPEG_LOSSLESS = {"1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"}
DCMDJPEG = shutil.which("dcmdjpeg") or ("/usr/bin/dcmdjpeg" if os.path.exists("/usr/bin/dcmdjpeg") else None)


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
    rel = os.path.relpath(path, data_dir())
    rec = {"name": rel if not rel.startswith("..") else os.path.basename(path), "path": path}
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as e:  # pydicom itself cannot parse it
        rec.update(expect="refuse", reason=f"pydicom cannot parse: {e}")
        return rec
    meta = getattr(ds, "file_meta", None)
    ts = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
    rec["transfer_syntax"] = ts
    rec["sop_class"] = str(ds.get("SOPClassUID", ""))
    rec["modality"] = str(ds.get("Modality", ""))
    if "PixelData" not in ds or "Rows" not in ds:
        rec.update(expect="refuse", reason="no pixel data")
        return rec
    try:
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except (TypeError, ValueError):
        rec.update(expect="refuse", reason="NumberOfFrames is not a number")
        return rec
    if ts and ts not in NATIVE:
        rec["compressed"] = True
        if int(ds.get("SamplesPerPixel", 1)) != 1 or frames > 1:
            pass  # refused below like the uncompressed ones
        elif ts == RLE:
            rec["reference"] = "pydicom RLE handler"
        elif ts in JPEG_LOSSY | JPEG_LOSSLESS and DCMDJPEG is not None:
            tmp = tempfile.mkdtemp(prefix="thighseg-dcmdjpeg-")
            try:
                out = os.path.join(tmp, "raw.dcm")
                proc = subprocess.run([DCMDJPEG, path, out], capture_output=True, text=True)
                if proc.returncode != 0:
                    rec.update(expect="refuse", reason=f"dcmdjpeg cannot decode it: {proc.stderr.strip()}")
                    return rec
                decoded = pydicom.dcmread(out, force=True)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            rec["reference"] = "dcmdjpeg"
            rec["lossy"] = ts in JPEG_LOSSY
            ds = decoded
        else:
            rec.update(expect="refuse", reason=f"compressed transfer syntax {ts} that no reference decoder here reads")
            return rec
    if frames > 1:
        rec.update(expect="refuse", reason=f"multi-frame ({ds.NumberOfFrames} frames)")
        return rec
    if int(ds.get("SamplesPerPixel", 1)) != 1:
        rec.update(expect="refuse", reason=f"SamplesPerPixel {ds.SamplesPerPixel}")
        return rec
    if int(ds.BitsAllocated) not in (8, 16, 32):
        rec.update(expect="refuse", reason=f"BitsAllocated {ds.BitsAllocated}")
        return rec
    try:
        if ds.file_meta.get("TransferSyntaxUID", "") == RLE if getattr(ds, "file_meta", None) is not None else False:
            stored = ds.pixel_array.astype(np.int64)  # pydicom's RLE decoder; already masked and sign-extended
        else:
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
        values_b64=base64.b64encode(values.astype("<f4").tobytes()).decode("ascii"),
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
    if sys.argv[1:] == ["--all"]:
        # Every file of the test set, subfolders included (DICOMDIR trees, README, JSON and dump files too).
        files = sorted(os.path.join(d, f) for d, _, names in os.walk(data_dir()) for f in names)
    else:
        files = sys.argv[1:] or [os.path.join(data_dir(), f) for f in DEFAULT_FILES]
    records = [describe(f) for f in files if os.path.exists(f)]
    print(json.dumps({"pydicom": pydicom.__version__, "numpy": np.__version__, "files": records}))
    return 0


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    sys.exit(main())
