using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Preprocessing;

namespace ThighSeg.ML.Internal;

/// <summary>
/// The <c>preprocessing</c> object that ThighSeg.ML stores in a model manifest, so that prediction rebuilds the exact
/// mapping to network space from the model alone. Missing fields take the defaults of <see cref="PreprocessingOptions"/>.
/// </summary>
internal static class PreprocessingJson
{
    public static JsonObject ToJson(PreprocessingOptions o) => new()
    {
        ["targetSpacingMm"] = o.TargetSpacingMm,
        ["targetSize"] = o.TargetSize,
        ["splitThighs"] = o.SplitThighs,
        ["lowerPercentile"] = o.LowerPercentile,
        ["upperPercentile"] = o.UpperPercentile,
        ["bodyThreshold"] = o.BodyThreshold,
    };

    /// <exception cref="ModelFormatException">A field has a wrong type or an out-of-range value.</exception>
    public static PreprocessingOptions FromJson(JsonObject? json)
    {
        var d = PreprocessingOptions.Default;
        if (json is null)
        {
            return d;
        }
        try
        {
            var o = new PreprocessingOptions
            {
                TargetSpacingMm = json["targetSpacingMm"]?.GetValue<double>() ?? d.TargetSpacingMm,
                TargetSize = json["targetSize"]?.GetValue<int>() ?? d.TargetSize,
                SplitThighs = json["splitThighs"]?.GetValue<bool>() ?? d.SplitThighs,
                LowerPercentile = json["lowerPercentile"]?.GetValue<double>() ?? d.LowerPercentile,
                UpperPercentile = json["upperPercentile"]?.GetValue<double>() ?? d.UpperPercentile,
                BodyThreshold = json["bodyThreshold"]?.GetValue<double>() ?? d.BodyThreshold,
            };
            o.Validate();
            return o;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"The model's preprocessing description is invalid: {ex.Message}", ex);
        }
    }
}
