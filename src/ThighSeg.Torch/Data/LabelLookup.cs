using System.Globalization;
using ThighSeg.Core;
using ThighSeg.Core.Data;

namespace ThighSeg.Torch.Data;

/// <summary>Fast label value to class index mapping (a lookup table for the usual small non-negative codes).</summary>
internal sealed class LabelLookup
{
    private readonly int[] _table;

    public LabelLookup(LabelMap classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        Classes = classes;
        int max = classes.Values[^1];
        if (max > (1 << 24))
        {
            throw new ThighSegException($"Label value {max} is too large; label values must be at most {1 << 24}.");
        }
        _table = new int[max + 1];
        Array.Fill(_table, -1);
        for (int i = 0; i < classes.Count; i++)
        {
            _table[classes.Values[i]] = i;
        }
    }

    public LabelMap Classes { get; }

    public void Map(ReadOnlySpan<int> values, Span<long> target, string subject)
    {
        for (int j = 0; j < values.Length; j++)
        {
            int v = values[j];
            int c = (uint)v < (uint)_table.Length ? _table[v] : -1;
            if (c < 0)
            {
                throw new ThighSegException(string.Create(CultureInfo.InvariantCulture,
                    $"Subject {subject} has label value {v}, which is not one of the model's classes ({string.Join(", ", Classes.Values)})."));
            }
            target[j] = c;
        }
    }
}
