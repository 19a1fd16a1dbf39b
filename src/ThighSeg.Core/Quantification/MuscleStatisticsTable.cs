using ThighSeg.Core.Tables;

namespace ThighSeg.Core.Quantification;

/// <summary>
/// The per-case <c>muscle_statistics</c> table of a cohort prediction: <see cref="MuscleQuantifier.Compute"/> on the
/// predicted labels and the input image, written as <see cref="StatisticsTables.MuscleRows"/> (the same rows as
/// <see cref="StatisticsTables.MuscleFileName"/> of one case). No fat fraction: a prediction has no Dixon inputs.
/// </summary>
public sealed class MuscleStatisticsTable : ICaseTable
{
    /// <summary>A table computed with <paramref name="options"/> (its <see cref="QuantificationOptions.CaseId"/> is replaced by each case's id).</summary>
    public MuscleStatisticsTable(QuantificationOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The quantification options.</summary>
    public QuantificationOptions Options { get; }

    /// <inheritdoc />
    public string Name => Path.GetFileNameWithoutExtension(StatisticsTables.MuscleFileName);

    /// <inheritdoc />
    public IReadOnlyList<string> Columns => StatisticsTables.MuscleColumns;

    /// <inheritdoc />
    public IEnumerable<object?[]> Rows(CaseTableInput input) => StatisticsTables.MuscleRows(Statistics(input, Options));

    /// <summary>The statistics of one case, computed once per case and options and shared with <see cref="CsaPerSliceTable"/>.</summary>
    internal static CaseStatistics Statistics(CaseTableInput input, QuantificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(input);
        string key = FormattableString.Invariant($"statistics;level={options.RelativeLevel:R};erosion={options.ErosionMm:R};scheme={options.SideScheme}");
        return input.Derived(key, i => MuscleQuantifier.Compute(i.Labels, i.Classes, i.Image, null, options with { CaseId = i.CaseId }));
    }
}
