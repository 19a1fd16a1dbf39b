using ThighSeg.Core.Metrics;

namespace ThighSeg.Core.Tables;

/// <summary>The <c>volumes</c> table: one row per foreground class of the model, <c>subject,label,label_name,volume_ml</c>.</summary>
public sealed class MuscleVolumeTable : ICaseTable
{
    /// <inheritdoc />
    public string Name => "volumes";

    /// <inheritdoc />
    public IReadOnlyList<string> Columns { get; } = ["subject", "label", "label_name", "volume_ml"];

    /// <inheritdoc />
    public IEnumerable<object?[]> Rows(CaseTableInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var foreground = input.Classes.Values.Where(v => v != 0).ToArray();
        var volumesMl = MuscleVolumes.VolumesMl(input.Labels, foreground);
        for (int i = 0; i < foreground.Length; i++)
        {
            yield return [input.CaseId, foreground[i], input.Classes.Name(foreground[i]), volumesMl[i]];
        }
    }
}
