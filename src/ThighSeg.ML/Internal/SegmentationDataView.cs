using Microsoft.ML;
using Microsoft.ML.Data;

namespace ThighSeg.ML.Internal;

/// <summary>The lazily evaluated output of <see cref="SegmentationTransformer.Transform"/>.</summary>
internal sealed class SegmentationDataView(SegmentationBinding binding, IDataView input) : IDataView
{
    public bool CanShuffle => false;

    public DataViewSchema Schema => binding.Output;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = columnsNeeded.Select(c => c.Index).ToHashSet();
        var cursor = input.GetRowCursor(binding.Dependencies(active.Select(i => binding.Output[i])), rand);
        return new Cursor(binding, cursor, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(SegmentationBinding binding, DataViewRowCursor input, HashSet<int> active) : DataViewRowCursor
    {
        private readonly RowCache _cache = new(binding.Owner);

        public override DataViewSchema Schema => binding.Output;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override bool MoveNext() => input.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            binding.IsOutput(column.Index) ? active.Contains(column.Index) : input.IsColumnActive(binding.Input[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
            {
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            }
            return binding.Getter(input, column.Index, _cache) as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
