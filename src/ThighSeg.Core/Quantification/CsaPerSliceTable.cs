using ThighSeg.Core.Tables;

namespace ThighSeg.Core.Quantification;

/// <summary>
/// The per-case <c>csa_per_slice</c> long table of a cohort prediction: one row per muscle, side and axial slice
/// (<see cref="StatisticsTables.CsaRows"/>, the same rows as <see cref="StatisticsTables.CsaFileName"/> of one case),
/// from the statistics <see cref="MuscleStatisticsTable"/> computes for the case (computed once for both).
/// </summary>
public sealed class CsaPerSliceTable : ICaseTable
{
    /// <summary>A table computed with <paramref name="options"/> (its <see cref="QuantificationOptions.CaseId"/> is replaced by each case's id).</summary>
    public CsaPerSliceTable(QuantificationOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The quantification options.</summary>
    public QuantificationOptions Options { get; }

    /// <inheritdoc />
    public string Name => Path.GetFileNameWithoutExtension(StatisticsTables.CsaFileName);

    /// <inheritdoc />
    public IReadOnlyList<string> Columns => StatisticsTables.CsaColumns;

    /// <inheritdoc />
    public IEnumerable<object?[]> Rows(CaseTableInput input) => StatisticsTables.CsaRows(MuscleStatisticsTable.Statistics(input, Options));
}
