#!/usr/bin/python3
"""Reference for ThighSeg's DICOM series reader: writes an oblique multi-slice MR series with pydicom, converts it
with dcm2niix, loads dcm2niix's NIfTI with nibabel and prints one JSON object describing both.

Usage: /usr/bin/python3 dicom_series.py WORK_DIR [--case oblique|axial|sagittal|coronal] [--seed N] [--bits 8|12|16]

--bits 8 or 12 writes unsigned smooth images with that BitsStored (BitsAllocated 8 or 16) instead of the unique int16
values, for lossy JPEG tests; the per-value samples are then left out (values repeat).

WORK_DIR/series holds the DICOM files (shuffled file names; most explicit VR little endian, some implicit VR little
endian and one explicit VR big endian), WORK_DIR/nifti holds dcm2niix's output. Every stored voxel value is unique,
so a test can match voxels between two readers by value and compare their world coordinates.
Exit codes: 0 ok, 3 a module or dcm2niix is missing (the JSON says which), 1 anything else.
"""
import json
import os
import shutil
import subprocess
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
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian, generate_uid
except ImportError:
    missing("pydicom")
try:
    import nibabel as nib
except ImportError:
    missing("nibabel")
DCM2NIIX = shutil.which("dcm2niix") or ("/usr/bin/dcm2niix" if os.path.exists("/usr/bin/dcm2niix") else None)
if DCM2NIIX is None:
    missing("dcm2niix")


def rotation(ax, ay, az):
    """Rotation matrix (degrees) Rz @ Ry @ Rx."""
    ax, ay, az = np.radians([ax, ay, az])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


# Base orientations in DICOM LPS: columns of the matrix are (row direction, column direction, normal).
BASES = {
    "axial": np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float),
    "coronal": np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], dtype=float),
    "sagittal": np.array([[0, 0, -1], [1, 0, 0], [0, -1, 0]], dtype=float),
}


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 1
    work = args[0]
    case = "oblique"
    seed = 1234
    if "--case" in args:
        case = args[args.index("--case") + 1]
    if "--seed" in args:
        seed = int(args[args.index("--seed") + 1])
    bits = int(args[args.index("--bits") + 1]) if "--bits" in args else 16
    rng = np.random.default_rng(seed)

    rows, cols, nslices = 40, 56, 12
    row_spacing, col_spacing = 0.7, 0.9          # PixelSpacing = [row spacing (between rows), column spacing]
    slice_spacing, slice_thickness = 2.5, 2.0    # thickness deliberately differs from the position spacing
    slope, intercept = 0.5, -100.0
    if case == "oblique":
        basis = rotation(20.0, -15.0, 10.0) @ BASES["axial"]
    else:
        basis = BASES[case]
    row_dir, col_dir = basis[:, 0], basis[:, 1]
    normal = np.cross(row_dir, col_dir)
    origin = np.array([-31.25, 17.5, 42.0])
    # Acquisition order runs against the normal (instance 1 is the most "normal-ward" slice) to test sorting.
    positions = [origin + (nslices - 1 - k) * slice_spacing * normal for k in range(nslices)]

    # Unique stored values per voxel: a seeded permutation of a contiguous int16 range.
    nvox = rows * cols * nslices
    stored = (rng.permutation(nvox) - nvox // 2).astype(np.int16).reshape(nslices, rows, cols)
    if bits < 16:
        # Smooth structure plus a little noise, within [0, 2^bits - 1]: compressible, and lossy codecs stay close.
        kk, jj, ii = np.mgrid[0:nslices, 0:rows, 0:cols]
        top = (1 << bits) - 1
        smooth = 0.5 + 0.35 * np.sin(ii / 6.0 + kk / 3.0) * np.cos(jj / 5.0)
        stored = np.clip(smooth * top + rng.integers(-top // 50, top // 50 + 1, size=smooth.shape), 0, top)
        stored = stored.astype(np.uint8 if bits == 8 else np.uint16)
    pixel_type = {8: ("u1", "u1"), 12: ("<u2", ">u2"), 16: ("<i2", ">i2")}[bits]
    series_dir = os.path.join(work, "series")
    nifti_dir = os.path.join(work, "nifti")
    for d in (series_dir, nifti_dir):
        if os.path.exists(d):
            shutil.rmtree(d)
        os.makedirs(d)

    study_uid, series_uid, frame_uid = generate_uid(), generate_uid(), generate_uid()
    names = [f"IM{n:04d}" for n in rng.permutation(1000)[:nslices]]
    order = rng.permutation(nslices)
    for write_index, k in enumerate(order):
        if write_index in (1, 5):
            ts = ImplicitVRLittleEndian
        elif write_index == 3:
            ts = ExplicitVRBigEndian
        else:
            ts = ExplicitVRLittleEndian
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
        sop_uid = generate_uid()
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ts
        ds = Dataset()
        ds.file_meta = meta
        ds.is_little_endian = ts != ExplicitVRBigEndian
        ds.is_implicit_VR = ts == ImplicitVRLittleEndian
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = sop_uid
        ds.Modality = "MR"
        ds.PatientName = "Phantom^Thigh"
        ds.PatientID = "THIGHSEG-0001"
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.StudyDate = "20240101"
        ds.SeriesDate = "20240101"
        ds.AcquisitionTime = "120000"
        ds.SeriesNumber = 7
        ds.SeriesDescription = f"thighseg {case} test series"
        ds.InstanceNumber = int(k) + 1
        ds.ImagePositionPatient = [f"{v:.6f}" for v in positions[k]]
        ds.ImageOrientationPatient = [f"{v:.8f}" for v in np.concatenate([row_dir, col_dir])]
        ds.SliceThickness = slice_thickness
        ds.PixelSpacing = [row_spacing, col_spacing]
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = rows, cols
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = (8 if bits == 8 else 16), bits, bits - 1
        ds.PixelRepresentation = 1 if bits == 16 else 0
        ds.RescaleSlope = slope
        ds.RescaleIntercept = intercept
        ds.RescaleType = "US"
        ds.PixelData = stored[k].astype(pixel_type[1] if ts == ExplicitVRBigEndian else pixel_type[0]).tobytes()
        ds.save_as(os.path.join(series_dir, names[write_index]), write_like_original=False)

    proc = subprocess.run([DCM2NIIX, "-z", "y", "-f", "out", "-o", nifti_dir, series_dir],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dcm2niix failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
    out = os.path.join(nifti_dir, "out.nii.gz")
    img = nib.load(out)
    data = np.asarray(img.get_fdata(dtype=np.float64))
    affine = img.affine

    # Where (in RAS mm) dcm2niix puts the voxel that holds each of a few stored values.
    samples = []
    flat_values = (stored.astype(np.float64) * slope + intercept)
    for (k, j, i) in ([(0, 0, 0), (nslices - 1, rows - 1, cols - 1), (3, 7, 11), (8, 30, 2), (5, 19, 50), (11, 0, 55)] if bits == 16 else []):
        value = float(flat_values[k, j, i])
        hits = np.argwhere(data == value)
        if len(hits) != 1:
            raise RuntimeError(f"value {value} found {len(hits)} times in dcm2niix output")
        ijk = hits[0]
        ras = affine @ np.array([ijk[0], ijk[1], ijk[2], 1.0])
        samples.append({"value": value, "nifti_index": [int(v) for v in ijk], "ras": [float(v) for v in ras[:3]]})

    result = {
        "case": case,
        "series_dir": series_dir,
        "nifti": out,
        "series_uid": str(series_uid),
        "dcm2niix_version": proc.stdout.splitlines()[0] if proc.stdout else "",
        "shape": [int(v) for v in data.shape],
        "affine": [[float(v) for v in row] for row in affine],
        "sum": float(data.sum()),
        "min": float(data.min()),
        "max": float(data.max()),
        "samples": samples,
        "truth": {
            "rows": rows, "cols": cols, "slices": nslices,
            "row_dir_lps": [float(v) for v in row_dir], "col_dir_lps": [float(v) for v in col_dir],
            "normal_lps": [float(v) for v in normal], "slice_spacing": slice_spacing,
            "pixel_spacing": [row_spacing, col_spacing], "slope": slope, "intercept": intercept, "bits": bits,
        },
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
