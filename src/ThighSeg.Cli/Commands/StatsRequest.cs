using ThighSeg.Core.Quantification;

namespace ThighSeg.Cli.Commands;

/// <summary>What <c>thighseg stats</c> computes.</summary>
/// <param name="Labels">Label volume (prediction or ground truth).</param>
/// <param name="LabelNames">labels.json, or null (names from the NIfTI label extension, else <c>label_v</c>).</param>
/// <param name="Image">Intensity image, or null.</param>
/// <param name="Water">Water image, or null.</param>
/// <param name="Fat">Fat image, or null.</param>
/// <param name="InPhase">In-phase image, or null.</param>
/// <param name="OpposedPhase">Opposed-phase image, or null.</param>
/// <param name="FatFractionMap">Fat-fraction map, or null.</param>
/// <param name="MapInPercent">The map holds percent.</param>
/// <param name="ErosionMm">Mask erosion for fat fraction, mm.</param>
/// <param name="Level">Relative level of the reported CSA.</param>
/// <param name="Scheme">Side label scheme.</param>
/// <param name="CaseId">Case identifier, or null for the label file's name.</param>
/// <param name="OutputDirectory">Output folder.</param>
/// <param name="Preview">Write preview.png.</param>
/// <param name="SidedLabels">Write the side-specific labels to this file, or null.</param>
internal sealed record StatsRequest(string Labels, string? LabelNames, string? Image, string? Water, string? Fat, string? InPhase, string? OpposedPhase,
    string? FatFractionMap, bool MapInPercent, double ErosionMm, double Level, SideLabelScheme Scheme, string? CaseId, string OutputDirectory, bool Preview,
    string? SidedLabels);
