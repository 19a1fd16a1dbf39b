namespace ThighSeg.IO.Dicom;

/// <summary>One top-level data element: where its value lies in <see cref="DicomDataset.Bytes"/>.</summary>
/// <param name="Tag">Group in the high 16 bits, element in the low 16 bits.</param>
/// <param name="Vr">The two-letter VR for explicit encodings; empty for implicit VR.</param>
/// <param name="ValueOffset">Offset of the first value byte.</param>
/// <param name="Length">Value length in bytes (always defined and within the buffer).</param>
/// <param name="HeaderOffset">Offset of the element's tag, for messages.</param>
internal readonly record struct DicomElement(uint Tag, string Vr, int ValueOffset, int Length, int HeaderOffset);
