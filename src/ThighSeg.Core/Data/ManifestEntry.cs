namespace ThighSeg.Core.Data;

/// <summary>One row of <c>manifest.csv</c>, with paths resolved to absolute paths.</summary>
/// <param name="Subject">Unique subject identifier.</param>
/// <param name="ImagePath">Absolute path of the image.</param>
/// <param name="LabelPath">Absolute path of the label map; null for unlabelled subjects.</param>
/// <param name="Split">The subject's split.</param>
public sealed record ManifestEntry(string Subject, string ImagePath, string? LabelPath, DatasetSplit Split);
