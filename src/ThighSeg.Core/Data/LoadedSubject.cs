using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Data;

/// <summary>A labelled or unlabelled subject loaded from a dataset: the image and, when labelled, its validated labels.</summary>
/// <param name="Subject">Subject identifier.</param>
/// <param name="Split">The subject's split.</param>
/// <param name="Image">The image (float, RAS+ geometry).</param>
/// <param name="Labels">Labels with exactly the image's geometry and values in the dataset's label map; null when unlabelled.</param>
public sealed record LoadedSubject(string Subject, DatasetSplit Split, Volume<float> Image, Volume<int>? Labels);
