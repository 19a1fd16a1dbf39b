using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Torch.Inference;

namespace ThighSeg.ML.Internal;

/// <summary>
/// The <c>preprocessing</c> object of a model manifest: <see cref="PreprocessingOptions"/> serialised by System.Text.Json
/// with default settings (property names as in C#), the same form the <c>thighseg</c> tool's fine-tuning writes, so
/// models move freely between the tool and ThighSeg.ML and prediction rebuilds the mapping to network space from the
/// model alone.
/// </summary>
internal static class PreprocessingJson
{
    /// <summary>The manifest form of the preprocessing (the one format, owned by <see cref="VolumeSegmenter"/>).</summary>
    public static JsonObject ToJson(PreprocessingOptions options) => VolumeSegmenter.PreprocessingJson(options);

    /// <summary>Reads a model's preprocessing back.</summary>
    /// <exception cref="ModelFormatException">Missing or invalid.</exception>
    public static PreprocessingOptions FromJson(JsonObject? json) => VolumeSegmenter.ReadPreprocessing(json, "model");
}
