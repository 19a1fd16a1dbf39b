using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tables;

/// <summary>What a per-case table sees of one predicted case.</summary>
/// <param name="CaseId">The case's id (its output name; the first column of every per-case table).</param>
/// <param name="Image">The input image, in its own geometry.</param>
/// <param name="Labels">The predicted label map, in the image's geometry.</param>
/// <param name="Classes">The model's classes (value 0 is background).</param>
public sealed record CaseTableInput(string CaseId, Volume<float> Image, Volume<int> Labels, LabelMap Classes);
