using System.Text.Json;
using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Preprocessing;

namespace ThighSeg.ML.Internal;

/// <summary>
/// The <c>preprocessing</c> object of a model manifest: <see cref="PreprocessingOptions"/> serialised by System.Text.Json
/// with default settings (property names as in C#), the same form the <c>thighseg</c> tool's fine-tuning writes, so
/// models move freely between the tool and ThighSeg.ML and prediction rebuilds the mapping to network space from the
/// model alone.
/// </summary>
internal static class PreprocessingJson
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static JsonObject ToJson(PreprocessingOptions options) => JsonSerializer.SerializeToNode(options, Json)!.AsObject();

    /// <exception cref="ModelFormatException">Missing, or a field has a wrong type or an out-of-range value.</exception>
    public static PreprocessingOptions FromJson(JsonObject? json)
    {
        if (json is null)
        {
            throw new ModelFormatException("The model has no preprocessing description in its manifest, so volumes cannot be mapped to its input space; save models with their preprocessing (fine-tuning through ThighSeg.ML or the thighseg tool does).");
        }
        try
        {
            var options = json.Deserialize<PreprocessingOptions>(Json) ?? throw new JsonException("null");
            options.Validate();
            return options;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw new ModelFormatException($"The model has an invalid preprocessing description: {ex.Message}", ex);
        }
    }
}
