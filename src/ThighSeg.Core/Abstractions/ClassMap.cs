using System.Collections.ObjectModel;
using System.Globalization;

namespace ThighSeg.Core.Abstractions;

/// <summary>
/// Maps dataset label values (for example 0, 7101, 7102, ...) to the contiguous class indices a network predicts
/// (0..C-1) and back. Class index i is the i-th value in ascending order; background 0 is always included.
/// Immutable and thread-safe.
/// </summary>
public sealed class ClassMap : IEquatable<ClassMap>
{
    private readonly int[] _values;
    private readonly Dictionary<int, int> _index;

    /// <summary>Creates the map from label values (duplicates are removed, 0 is added when missing).</summary>
    /// <param name="values">Label values, each non-negative.</param>
    /// <param name="names">Optional display names by label value.</param>
    /// <exception cref="ArgumentException">A value is negative.</exception>
    public ClassMap(IEnumerable<int> values, IReadOnlyDictionary<int, string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var set = new SortedSet<int>(values) { 0 };
        if (set.Min < 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Label values must be non-negative, got {set.Min}."), nameof(values));
        }
        _values = set.ToArray();
        _index = new Dictionary<int, int>(_values.Length);
        for (int i = 0; i < _values.Length; i++)
        {
            _index[_values[i]] = i;
        }
        Names = new ReadOnlyDictionary<int, string>(names?.Where(kv => _index.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value) ?? []);
    }

    /// <summary>The map of the values present in <paramref name="labels"/> (plus background 0).</summary>
    public static ClassMap FromLabels(IEnumerable<int[]> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var set = new HashSet<int>();
        foreach (int[] l in labels)
        {
            foreach (int v in l)
            {
                set.Add(v);
            }
        }
        return new ClassMap(set);
    }

    /// <summary>Number of classes C.</summary>
    public int Count => _values.Length;

    /// <summary>Label values by class index (ascending).</summary>
    public IReadOnlyList<int> Values => _values;

    /// <summary>Display names by label value (may be empty).</summary>
    public IReadOnlyDictionary<int, string> Names { get; }

    /// <summary>The class index of a label value.</summary>
    /// <exception cref="KeyNotFoundException">The value is not in the map.</exception>
    public int IndexOf(int value) => _index.TryGetValue(value, out int i)
        ? i
        : throw new KeyNotFoundException(string.Create(CultureInfo.InvariantCulture, $"Label value {value} is not one of the model's classes ({string.Join(", ", _values)})."));

    /// <summary>Whether the value is in the map.</summary>
    public bool Contains(int value) => _index.ContainsKey(value);

    /// <summary>The label value of a class index.</summary>
    public int ValueOf(int classIndex) => _values[classIndex];

    /// <inheritdoc/>
    public bool Equals(ClassMap? other) => other is not null && _values.AsSpan().SequenceEqual(other._values);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ClassMap);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int v in _values)
        {
            h.Add(v);
        }
        return h.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", _values);
}
