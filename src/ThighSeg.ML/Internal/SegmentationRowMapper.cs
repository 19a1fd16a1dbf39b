using Microsoft.ML;
using Microsoft.ML.Data;

namespace ThighSeg.ML.Internal;

/// <summary>Row-by-row mapping (what <c>PredictionEngine</c> uses).</summary>
internal sealed class SegmentationRowMapper(SegmentationBinding binding) : IRowToRowMapper
{
    public DataViewSchema InputSchema => binding.Input;

    public DataViewSchema OutputSchema => binding.Output;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) => binding.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new MappedRow(binding, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class MappedRow(SegmentationBinding binding, DataViewRow input, HashSet<int> active) : DataViewRow
    {
        private readonly RowCache _cache = new(binding.Owner);

        public override DataViewSchema Schema => binding.Output;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            binding.IsOutput(column.Index) ? active.Contains(column.Index) : input.IsColumnActive(binding.Input[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            binding.Getter(input, column.Index, _cache) as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}, not {typeof(TValue).Name}.");
    }
}
