#!/usr/bin/python3
"""Reference reader for ThighSeg's DICOM-SEG writer: reads a SEG with pydicom (independent of ThighSeg), unpacks its
1-bit frames with pydicom's pixel handler and prints one JSON object: the segments (number, label, codes), and per
frame the referenced segment, the plane position, the referenced source SOP Instance UID and the flat indices
(row * Columns + column) of the set pixels.

Usage: /usr/bin/python3 dicom_seg.py SEG_FILE
Exit codes: 0 ok, 3 pydicom or numpy missing (the JSON says which), 1 anything else.
"""
import json
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


def code(seq):
    if not seq:
        return None
    item = seq[0]
    return {"value": item.CodeValue, "scheme": item.CodingSchemeDesignator, "meaning": item.CodeMeaning}


def main():
    ds = pydicom.dcmread(sys.argv[1])
    pixels = ds.pixel_array
    frames = int(ds.NumberOfFrames)
    if frames == 1:
        pixels = pixels.reshape((1,) + pixels.shape)
    segments = []
    for s in ds.SegmentSequence:
        t = s.SegmentedPropertyTypeCodeSequence[0]
        modifier = code(t.get("SegmentedPropertyTypeModifierCodeSequence"))
        segments.append({
            "number": int(s.SegmentNumber),
            "label": str(s.SegmentLabel),
            "category": code(s.SegmentedPropertyCategoryCodeSequence),
            "type": code(s.SegmentedPropertyTypeCodeSequence),
            "modifier": modifier,
            "algorithm": str(s.SegmentAlgorithmName),
        })
    per_frame = []
    for i, f in enumerate(ds.PerFrameFunctionalGroupsSequence):
        source = f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
        per_frame.append({
            "segment": int(f.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
            "position": [float(v) for v in f.PlanePositionSequence[0].ImagePositionPatient],
            "source": str(source),
            "dimension_index": [int(v) for v in f.FrameContentSequence[0].DimensionIndexValues],
            "set": [int(v) for v in np.flatnonzero(pixels[i].reshape(-1))],
        })
    shared = ds.SharedFunctionalGroupsSequence[0]
    result = {
        "sop_class": str(ds.SOPClassUID),
        "modality": str(ds.Modality),
        "patient_id": str(ds.PatientID),
        "patient_name": str(ds.PatientName),
        "study_uid": str(ds.StudyInstanceUID),
        "series_uid": str(ds.SeriesInstanceUID),
        "frame_of_reference": str(ds.FrameOfReferenceUID),
        "rows": int(ds.Rows), "columns": int(ds.Columns), "frames": frames,
        "orientation": [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient],
        "pixel_spacing": [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing],
        "referenced_instances": [str(i.ReferencedSOPInstanceUID) for i in ds.ReferencedSeriesSequence[0].ReferencedInstanceSequence],
        "referenced_series": str(ds.ReferencedSeriesSequence[0].SeriesInstanceUID),
        "segments": segments,
        "per_frame": per_frame,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
