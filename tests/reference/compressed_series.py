#!/usr/bin/python3
"""Compressed and enhanced multi-frame test data for ThighSeg's DICOM reader, made by independent tools.

Usage: /usr/bin/python3 compressed_series.py WORK_DIR [--case oblique|axial|sagittal|coronal] [--bits 8|12|16]

1. dicom_series.py writes a 12-slice MR series with pydicom (WORK_DIR/series) and converts it with dcm2niix.
2. Each file is compressed by dcmtk (dcmcrle; dcmcjpeg +e1, +el +sv 1..7, +eb, +ee, fragmented without an offset
   table; lossy with +rm so the modality values survive) and by gdcm (gdcmconv --rle, --jpeg, --jpegls, --j2k), one
   folder per variant. Lossy variants also get the
   dcmtk decompression (dcmdjpeg, IJG code) as an independent reference of what the codec should give.
3. For 16 bits, the series is also written as Enhanced MR objects by pydicom (one file, frames shuffled, functional
   groups shared or per frame), converted by dcm2niix, and compressed by dcmtk (JPEG lossless with and without offset
   table and fragmented, RLE).

Prints one JSON object: dicom_series.py's record under "series" and, per variant, its folder, transfer syntax, tool and
whether it is lossy. Exit codes: 0 ok, 3 a module or tool is missing (the JSON says which), 1 anything else.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def missing(what):
    print(json.dumps({"missing": what}))
    sys.exit(3)


try:
    import numpy as np
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
except ImportError:
    missing("pydicom or numpy")

TOOLS = {name: shutil.which(name) for name in ("dcmcrle", "dcmcjpeg", "dcmdjpeg", "gdcmconv", "dcm2niix")}
for name, where in TOOLS.items():
    if where is None:
        missing(f"{name} (Debian: dcmtk, libgdcm-tools, dcm2niix)")


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
    return proc


def convert_folder(src, dst, argv_for):
    os.makedirs(dst)
    for name in sorted(os.listdir(src)):
        run(argv_for(os.path.join(src, name), os.path.join(dst, name)))


def transfer_syntax(folder):
    first = sorted(os.listdir(folder))[0]
    return str(pydicom.dcmread(os.path.join(folder, first), stop_before_pixels=True).file_meta.TransferSyntaxUID)


def fragments_per_frame(path):
    ds = pydicom.dcmread(path)
    from pydicom.encaps import generate_pixel_data_fragment
    from io import BytesIO
    fp = pydicom.filebase.DicomFileLike(BytesIO(ds.PixelData))
    fp.is_little_endian = True
    # The first item is the basic offset table.
    count = sum(1 for _ in generate_pixel_data_fragment(fp)) - 1
    return count / int(ds.get("NumberOfFrames", 1) or 1)


def enhanced(series_dir, out_dir, per_frame_everything, rng):
    """One Enhanced MR Image object holding every slice of the series, frames in a shuffled order."""
    slices = [pydicom.dcmread(os.path.join(series_dir, f)) for f in sorted(os.listdir(series_dir))]
    slices.sort(key=lambda d: int(d.InstanceNumber))
    order = rng.permutation(len(slices))
    first = slices[0]
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    for keyword in ("Modality", "PatientName", "PatientID", "StudyInstanceUID", "FrameOfReferenceUID", "StudyDate",
                    "SeriesDate", "SeriesNumber", "SamplesPerPixel", "PhotometricInterpretation", "Rows", "Columns",
                    "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation"):
        setattr(ds, keyword, getattr(first, keyword))
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesDescription = "thighseg enhanced test series"
    ds.InstanceNumber = 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.ContentDate, ds.ContentTime = "20240101", "120000"
    ds.AcquisitionDateTime = "20240101120000"
    ds.NumberOfFrames = len(slices)

    def measures(d):
        m = Dataset()
        m.PixelSpacing = d.PixelSpacing
        m.SliceThickness = d.SliceThickness
        return m

    def orientation(d):
        o = Dataset()
        o.ImageOrientationPatient = d.ImageOrientationPatient
        return o

    def transform(d):
        t = Dataset()
        t.RescaleIntercept, t.RescaleSlope, t.RescaleType = d.RescaleIntercept, d.RescaleSlope, "US"
        return t

    dim = Dataset()
    dim.DimensionIndexPointer = 0x00209057          # In-Stack Position Number
    dim.FunctionalGroupPointer = 0x00209111         # Frame Content Sequence
    ds.DimensionIndexSequence = Sequence([dim])
    shared = Dataset()
    if not per_frame_everything:
        shared.PixelMeasuresSequence = Sequence([measures(first)])
        shared.PlaneOrientationSequence = Sequence([orientation(first)])
        shared.PixelValueTransformationSequence = Sequence([transform(first)])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    # In-stack position numbers follow the slice normal, as a scanner writes them.
    normal = np.cross(np.array(first.ImageOrientationPatient[:3], float), np.array(first.ImageOrientationPatient[3:], float))
    along = [float(np.dot(np.array(d.ImagePositionPatient, float), normal)) for d in slices]
    rank = {i: r + 1 for r, i in enumerate(np.argsort(along))}
    frames = []
    for i in order:
        d = slices[i]
        f = Dataset()
        content = Dataset()
        content.StackID = "1"
        content.InStackPositionNumber = rank[int(i)]
        content.DimensionIndexValues = [rank[int(i)]]
        f.FrameContentSequence = Sequence([content])
        position = Dataset()
        position.ImagePositionPatient = d.ImagePositionPatient
        f.PlanePositionSequence = Sequence([position])
        if per_frame_everything:
            f.PixelMeasuresSequence = Sequence([measures(d)])
            f.PlaneOrientationSequence = Sequence([orientation(d)])
            f.PixelValueTransformationSequence = Sequence([transform(d)])
        frames.append(f)
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    ds.PixelData = b"".join(slices[i].pixel_array.astype("<" + slices[i].pixel_array.dtype.str[1:]).tobytes() for i in order)
    os.makedirs(out_dir)
    path = os.path.join(out_dir, "enhanced.dcm")
    ds.save_as(path, write_like_original=False)
    return path


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 1
    work = args[0]
    bits = int(args[args.index("--bits") + 1]) if "--bits" in args else 16
    case = args[args.index("--case") + 1] if "--case" in args else "oblique"
    proc = subprocess.run([sys.executable, os.path.join(HERE, "dicom_series.py"), work, "--case", case, "--bits", str(bits)],
                          capture_output=True, text=True)
    if proc.returncode == 3:
        print(proc.stdout)
        return 3
    if proc.returncode != 0:
        raise RuntimeError(f"dicom_series.py failed: {proc.stderr}")
    series = json.loads(proc.stdout)
    src = series["series_dir"]
    variants = {}

    def add(name, argv_for, tool, lossy=False, reference=None):
        dst = os.path.join(work, name)
        if os.path.exists(dst):
            shutil.rmtree(dst)
        convert_folder(src if reference is None else reference, dst, argv_for)
        variants[name] = {"dir": dst, "transfer_syntax": transfer_syntax(dst), "tool": tool, "lossy": lossy}
        return dst

    dcmcjpeg, gdcmconv = TOOLS["dcmcjpeg"], TOOLS["gdcmconv"]
    add("dcmtk_rle", lambda i, o: [TOOLS["dcmcrle"], i, o], "dcmcrle")
    add("gdcm_rle", lambda i, o: [gdcmconv, "--rle", i, o], "gdcmconv --rle")
    if bits == 16:
        add("dcmtk_jpeg_sv1", lambda i, o: [dcmcjpeg, "+e1", i, o], "dcmcjpeg +e1")
        for sv in range(2, 8):
            add(f"dcmtk_jpeg_sv{sv}", lambda i, o, sv=sv: [dcmcjpeg, "+el", "+sv", str(sv), i, o], f"dcmcjpeg +el +sv {sv}")
        add("dcmtk_jpeg_sv1_fragments", lambda i, o: [dcmcjpeg, "+e1", "-ot", "+fs", "1", i, o], "dcmcjpeg +e1 -ot +fs 1")
        add("gdcm_jpeg_lossless", lambda i, o: [gdcmconv, "--jpeg", i, o], "gdcmconv --jpeg")
        add("gdcm_jpegls", lambda i, o: [gdcmconv, "--jpegls", i, o], "gdcmconv --jpegls")
        add("gdcm_j2k", lambda i, o: [gdcmconv, "--j2k", i, o], "gdcmconv --j2k")
    else:
        add("dcmtk_jpeg_sv1", lambda i, o: [dcmcjpeg, "+e1", i, o], "dcmcjpeg +e1")
        option = "+eb" if bits == 8 else "+ee"
        # +rm: keep the modality values (dcmtk's default +ri would re-render them with an identity rescale).
        lossy = add("dcmtk_jpeg_lossy", lambda i, o: [dcmcjpeg, option, "+rm", i, o], f"dcmcjpeg {option} +rm", lossy=True)
        dst = os.path.join(work, "dcmtk_jpeg_lossy_dcmdjpeg")
        if os.path.exists(dst):
            shutil.rmtree(dst)
        convert_folder(lossy, dst, lambda i, o: [TOOLS["dcmdjpeg"], i, o])
        variants["dcmtk_jpeg_lossy"]["ijg_reference_dir"] = dst

    enhanced_records = {}
    if bits == 16:
        rng = np.random.default_rng(99)
        for name, per_frame in (("enhanced_shared", False), ("enhanced_per_frame", True)):
            folder = os.path.join(work, name)
            if os.path.exists(folder):
                shutil.rmtree(folder)
            path = enhanced(src, folder, per_frame, rng)
            nifti = os.path.join(work, name + "_nifti")
            if os.path.exists(nifti):
                shutil.rmtree(nifti)
            os.makedirs(nifti)
            run([TOOLS["dcm2niix"], "-z", "y", "-f", "out", "-o", nifti, folder])
            import nibabel as nib
            img = nib.load(os.path.join(nifti, "out.nii.gz"))
            enhanced_records[name] = {"file": path, "shape": [int(v) for v in img.shape],
                                      "affine": [[float(v) for v in row] for row in img.affine],
                                      "sum": float(np.asarray(img.get_fdata(dtype=np.float64)).sum())}
        base = enhanced_records["enhanced_shared"]["file"]
        for name, argv in (("enhanced_jpeg_sv1", [dcmcjpeg, "+e1"]), ("enhanced_jpeg_fragments", [dcmcjpeg, "+e1", "-ot", "+fs", "1"]),
                           ("enhanced_rle", [TOOLS["dcmcrle"]])):
            folder = os.path.join(work, name)
            if os.path.exists(folder):
                shutil.rmtree(folder)
            os.makedirs(folder)
            out = os.path.join(folder, "enhanced.dcm")
            run(argv + [base, out])
            enhanced_records[name] = {"file": out, "transfer_syntax": str(pydicom.dcmread(out, stop_before_pixels=True).file_meta.TransferSyntaxUID),
                                      "tool": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(argv)),
                                      "fragments_per_frame": fragments_per_frame(out)}
    print(json.dumps({"series": series, "variants": variants, "enhanced": enhanced_records}))
    return 0


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    sys.exit(main())
