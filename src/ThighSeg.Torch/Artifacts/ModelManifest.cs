using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;

namespace ThighSeg.Torch.Artifacts;

/// <summary>The contents of <c>manifest.json</c>: everything needed to rebuild a model.</summary>
/// <param name="FormatVersion">Artifact format version (<see cref="ModelArtifact.CurrentFormatVersion"/>).</param>
/// <param name="Kind">Encoder or segmentation.</param>
/// <param name="Network">U-Net configuration.</param>
/// <param name="Classes">Label values by class index (segmentation only).</param>
/// <param name="EmbeddingDim">Projection size used in pretraining (encoder only), or 0.</param>
/// <param name="Preprocessing">Opaque preprocessing description supplied by the caller, or null.</param>
/// <param name="Training">Provenance.</param>
/// <param name="WeightsFile">Weights file name inside the folder.</param>
public sealed record ModelManifest(
    int FormatVersion,
    ModelKind Kind,
    UNetOptions Network,
    LabelMap? Classes,
    int EmbeddingDim,
    JsonObject? Preprocessing,
    TrainingProvenance Training,
    string WeightsFile)
{
    /// <summary>
    /// SHA-256 of the weights file (lower-case hex) as recorded in the manifest, or null for artifacts written before
    /// checksums were recorded (those load without verification). Set by <see cref="ModelArtifact.ReadManifest"/>.
    /// </summary>
    public string? WeightsSha256 { get; init; }
}
