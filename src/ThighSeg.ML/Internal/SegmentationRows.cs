using Microsoft.ML;
using Microsoft.ML.Data;

namespace ThighSeg.ML.Internal;

/// <summary>The output schema of a <see cref="SegmentationTransformer"/> over an input schema, with column indices.</summary>
internal sealed class SegmentationBinding
{
    public SegmentationBinding(SegmentationTransformer owner, DataViewSchema input)
    {
        Owner = owner;
        Input = input;
        ImageIndex = DataViewIO.CheckTextColumn(input, owner.ImageColumnName, "image");
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(owner.PredictedMaskColumnName, TextDataViewType.Instance);
        int n = owner.MuscleNames.Count;
        var names = owner.MuscleNames.Select(s => s.AsMemory()).ToArray();
        var annotations = new DataViewSchema.Annotations.Builder();
        annotations.Add(SegmentationTransformer.SlotNamesKind, new VectorDataViewType(TextDataViewType.Instance, n),
            (ref VBuffer<ReadOnlyMemory<char>> value) => value = new VBuffer<ReadOnlyMemory<char>>(n, (ReadOnlyMemory<char>[])names.Clone()));
        builder.AddColumn(owner.VolumesColumnName, new VectorDataViewType(NumberDataViewType.Single, n), annotations.ToAnnotations());
        Output = builder.ToSchema();
        MaskIndex = input.Count;
        VolumesIndex = input.Count + 1;
    }

    public SegmentationTransformer Owner { get; }

    public DataViewSchema Input { get; }

    public DataViewSchema Output { get; }

    public int ImageIndex { get; }

    public int MaskIndex { get; }

    public int VolumesIndex { get; }

    public bool IsOutput(int index) => index >= Input.Count;

    /// <summary>Input columns needed to produce the given output columns.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (var c in outputColumns)
        {
            needed.Add(IsOutput(c.Index) ? ImageIndex : c.Index);
        }
        return needed.Select(i => Input[i]);
    }

    /// <summary>A getter for column <paramref name="index"/> of the output over <paramref name="row"/> (an input row).</summary>
    public Delegate Getter(DataViewRow row, int index, RowCache cache)
    {
        if (!IsOutput(index))
        {
            return GetInputGetter(row, Input[index]);
        }
        var image = row.GetGetter<ReadOnlyMemory<char>>(Input[ImageIndex]);
        if (index == MaskIndex)
        {
            ValueGetter<ReadOnlyMemory<char>> mask = (ref ReadOnlyMemory<char> value) => value = cache.Get(row, image).MaskPath.AsMemory();
            return mask;
        }
        ValueGetter<VBuffer<float>> volumes = (ref VBuffer<float> value) =>
        {
            var v = cache.Get(row, image).VolumesMl;
            value = new VBuffer<float>(v.Count, v.ToArray());
        };
        return volumes;
    }

    private static Delegate GetInputGetter(DataViewRow row, DataViewSchema.Column column)
    {
        var method = typeof(SegmentationBinding).GetMethod(nameof(TypedGetter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return (Delegate)method.Invoke(null, [row, column])!;
    }

    private static ValueGetter<T> TypedGetter<T>(DataViewRow row, DataViewSchema.Column column) => row.GetGetter<T>(column);
}

/// <summary>The prediction for the current row, computed once per row position.</summary>
internal sealed class RowCache(SegmentationTransformer owner)
{
    private long _position = -1;
    private SegmentationResult? _result;

    public SegmentationResult Get(DataViewRow row, ValueGetter<ReadOnlyMemory<char>> image)
    {
        if (_result is null || _position != row.Position)
        {
            ReadOnlyMemory<char> path = default;
            image(ref path);
            _result = owner.Segment(path.ToString().Trim());
            _position = row.Position;
        }
        return _result;
    }
}

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
