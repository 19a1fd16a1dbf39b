using System.Text.Json.Nodes;

namespace ThighSeg.Torch.Artifacts;

/// <summary>Training provenance recorded in a manifest.</summary>
/// <param name="Method"><c>pcl</c>, <c>gcl</c>, <c>simclr</c>, <c>finetune-from-pretrained</c> or <c>finetune-from-random</c>.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Steps">Optimisation steps.</param>
/// <param name="Subjects">Subject ids of the training data (and of the validation data for segmentation, marked <c>val:</c>).</param>
/// <param name="Options">The training options as JSON.</param>
/// <param name="Device">The device trained on.</param>
/// <param name="CreatedUtc">When the artifact was written (ISO 8601).</param>
/// <param name="Initialisation">The pretrained artifact the run started from, or null.</param>
public sealed record TrainingProvenance(
    string Method,
    int Seed,
    int Epochs,
    long Steps,
    IReadOnlyList<string> Subjects,
    JsonObject? Options,
    string Device,
    string CreatedUtc,
    string? Initialisation);
