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
