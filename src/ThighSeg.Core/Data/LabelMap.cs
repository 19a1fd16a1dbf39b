using System.Globalization;
using System.Text.Json;

namespace ThighSeg.Core.Data;

/// <summary>
/// The label set of a dataset: label values (non-negative integers, 0 = background) and their names, as stored in
/// <c>labels.json</c> (<c>{"0": "background", "1": "vastus_lateralis", ...}</c>). Also the mapping between label values
/// and the contiguous class indices a network uses (class index i is the i-th smallest value; background is class 0).
/// </summary>
/// <remarks>Immutable and thread-safe. Nothing assumes a number of labels or a numbering: the set comes from the data.</remarks>
public sealed class LabelMap
{
    private readonly int[] _values;
    private readonly Dictionary<int, string> _names;
    private readonly Dictionary<int, int> _classIndex;

    private LabelMap(Dictionary<int, string> names)
    {
        _names = names;
        _values = [.. names.Keys.Order()];
        _classIndex = new Dictionary<int, int>(_values.Length);
        for (int i = 0; i < _values.Length; i++)
        {
            _classIndex[_values[i]] = i;
        }
    }

    /// <summary>The largest <c>labels.json</c> accepted by <see cref="Load"/> (1 MiB: thousands of labels).</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>Label values in ascending order, background (0) first.</summary>
    public IReadOnlyList<int> Values => _values;

    /// <summary>Number of labels including background (the number of network classes).</summary>
    public int Count => _values.Length;

    /// <summary>Value-to-name pairs.</summary>
    public IReadOnlyDictionary<int, string> Names => _names;

    /// <summary>True when <paramref name="value"/> is in the set.</summary>
    public bool Contains(int value) => _names.ContainsKey(value);

    /// <summary>The name of label <paramref name="value"/>.</summary>
    /// <exception cref="KeyNotFoundException">The value is not in the set.</exception>
    public string Name(int value) => _names.TryGetValue(value, out var n) ? n : throw new KeyNotFoundException($"Label value {value} is not in the label map.");

    /// <summary>The contiguous class index (0..Count-1) of label <paramref name="value"/>.</summary>
    /// <exception cref="KeyNotFoundException">The value is not in the set.</exception>
    public int ClassIndex(int value) => _classIndex.TryGetValue(value, out int i) ? i : throw new KeyNotFoundException($"Label value {value} is not in the label map.");

    /// <summary>The label value of class index <paramref name="classIndex"/>.</summary>
    public int ClassValue(int classIndex) => _values[classIndex];

    /// <summary>Creates a label map from value-name pairs; background (0) is added as <c>background</c> when missing.</summary>
    /// <exception cref="ArgumentException">A negative value or an empty name.</exception>
    public static LabelMap FromNames(IEnumerable<KeyValuePair<int, string>> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var d = new Dictionary<int, string>();
        foreach (var (value, name) in names)
        {
            if (value < 0)
            {
                throw new ArgumentException($"Label values must be non-negative, got {value}.", nameof(names));
            }
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new ArgumentException($"Label {value} has an empty name.", nameof(names));
            }
            if (!d.TryAdd(value, name))
            {
                throw new ArgumentException($"Label value {value} appears twice.", nameof(names));
            }
        }
        d.TryAdd(0, "background");
        return new LabelMap(d);
    }

    /// <summary>A label map with generic names (<c>background</c>, <c>label_1</c>, ...) for the given values.</summary>
    public static LabelMap Generic(IEnumerable<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return FromNames(values.Distinct().Where(v => v != 0).Select(v => KeyValuePair.Create(v, $"label_{v.ToString(CultureInfo.InvariantCulture)}")));
    }

    /// <summary>The JSON form: an object mapping decimal label values to names, in ascending value order.</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (int v in _values)
            {
                w.WriteString(v.ToString(CultureInfo.InvariantCulture), _names[v]);
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    /// <summary>Parses the JSON form.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">Where it came from, for error messages.</param>
    /// <exception cref="DatasetException">Not a JSON object of integer keys and string names.</exception>
    public static LabelMap Parse(string json, string source = "labels.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DatasetException($"{source}: expected a JSON object mapping label values to names.");
            }
            var pairs = new List<KeyValuePair<int, string>>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                {
                    throw new DatasetException($"{source}: key '{p.Name}' is not a non-negative integer label value.");
                }
                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    throw new DatasetException($"{source}: the name of label {v} must be a string.");
                }
                pairs.Add(KeyValuePair.Create(v, p.Value.GetString()!));
            }
            return FromNames(pairs);
        }
        catch (JsonException ex)
        {
            throw new DatasetException($"{source}: not valid JSON ({ex.Message}).", ex);
        }
        catch (ArgumentException ex)
        {
            throw new DatasetException($"{source}: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // JsonElement refuses to turn a lone UTF-16 surrogate escape ("\ud800") into a .NET string.
            throw new DatasetException($"{source}: a label value or name is not valid Unicode text (a lone UTF-16 surrogate escape such as \\ud800).", ex);
        }
    }

    /// <summary>Reads a <c>labels.json</c> file.</summary>
    /// <exception cref="DatasetException">Missing, not a regular file, larger than <see cref="MaxFileBytes"/>, or malformed.</exception>
    public static LabelMap Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new DatasetException($"Label map '{path}' does not exist.");
        }
        return Parse(InputFile.ReadAllText(path, MaxFileBytes, message => new DatasetException(message)), path);
    }

    /// <summary>Writes <c>labels.json</c> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());
}
