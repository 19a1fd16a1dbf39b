using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Quantification;

/// <summary>A label volume with side-specific labels (same geometry as the input), its label map and what each value means.</summary>
/// <param name="Labels">Side-specific label values, 0 background.</param>
/// <param name="LabelMap">Value-to-name map (<c>&lt;muscle&gt;_right</c>/<c>&lt;muscle&gt;_left</c>), for labels.json and the NIfTI label extension.</param>
/// <param name="Entries">Every non-background label of <paramref name="LabelMap"/>, ordered by muscle value then side (right first).</param>
public sealed record SidedLabels(Volume<int> Labels, LabelMap LabelMap, IReadOnlyList<SidedLabel> Entries);
