using System.Text.Json;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// The coded category, type and laterality of ThighSeg's labels for DICOM-SEG, loaded from the data file
/// <c>segment-codes.json</c> embedded in ThighSeg.IO (which names the source of every code).
/// </summary>
/// <remarks>
/// A label name matches an entry after a side prefix or suffix (<c>left_</c>, <c>right_</c>, <c>_left</c>,
/// <c>_right</c>, <c>_l</c>, <c>_r</c>, case-insensitive) is removed; the side becomes the Left/Right type modifier.
/// A name in no entry is coded with the table's fallback category and type (Tissue), keeping its name as the
/// Segment Label. Immutable and thread-safe.
/// </remarks>
public sealed class SegmentCodeTable
{
    private const string ResourceName = "ThighSeg.IO.Dicom.segment-codes.json";
    private static readonly Lazy<SegmentCodeTable> DefaultTable = new(LoadDefault);

    private readonly Dictionary<string, SegmentCoding> _byName;
    private readonly SegmentCoding _fallback;
    private readonly DicomCode _left;
    private readonly DicomCode _right;

    private SegmentCodeTable(Dictionary<string, SegmentCoding> byName, SegmentCoding fallback, DicomCode left, DicomCode right)
    {
        _byName = byName;
        _fallback = fallback;
        _left = left;
        _right = right;
    }

    /// <summary>The table shipped with ThighSeg.</summary>
    public static SegmentCodeTable Default => DefaultTable.Value;

    /// <summary>The structure names the table codes (without side).</summary>
    public IReadOnlyCollection<string> Names => _byName.Keys;

    /// <summary>The coding of label <paramref name="labelName"/> (fallback coding for names not in the table).</summary>
    public SegmentCoding Lookup(string labelName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(labelName);
        var (structure, side) = SplitSide(labelName.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_'));
        SegmentCoding coding = _byName.TryGetValue(structure, out var c) ? c : _fallback;
        return side switch
        {
            'L' => coding with { Laterality = _left },
            'R' => coding with { Laterality = _right },
            _ => coding,
        };
    }

    /// <summary>Parses a table in the format of <c>segment-codes.json</c>.</summary>
    /// <exception cref="FormatException">Malformed JSON or a missing field; the message says which.</exception>
    public static SegmentCodeTable Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            DicomCode category = Code(root.GetProperty("category"));
            DicomCode fallbackCategory = Code(root.GetProperty("fallbackCategory"));
            var fallback = new SegmentCoding(fallbackCategory, Code(root.GetProperty("fallbackType")), null, "fallback");
            var byName = new Dictionary<string, SegmentCoding>(StringComparer.Ordinal);
            foreach (JsonElement s in root.GetProperty("structures").EnumerateArray())
            {
                string name = s.GetProperty("name").GetString() ?? throw new FormatException("a structure has no name");
                DicomCode cat = s.TryGetProperty("category", out var k) && k.GetString() == "tissue" ? fallbackCategory : category;
                if (!byName.TryAdd(name, new SegmentCoding(cat, Code(s), null, s.GetProperty("source").GetString() ?? "")))
                {
                    throw new FormatException($"structure '{name}' appears twice");
                }
            }
            return new SegmentCodeTable(byName, fallback, Code(root.GetProperty("left")), Code(root.GetProperty("right")));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"{source}: not a valid segment code table ({ex.Message})", ex);
        }
    }

    private static SegmentCodeTable LoadDefault()
    {
        using Stream stream = typeof(SegmentCodeTable).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from ThighSeg.IO");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), ResourceName);
    }

    private static DicomCode Code(JsonElement e) => new(
        e.GetProperty("value").GetString() ?? throw new FormatException("a code has no value"),
        e.GetProperty("scheme").GetString() ?? throw new FormatException("a code has no scheme"),
        e.GetProperty("meaning").GetString() ?? throw new FormatException("a code has no meaning"));

    private static (string Structure, char Side) SplitSide(string name)
    {
        foreach (var (affix, side) in new[] { ("left_", 'L'), ("right_", 'R') })
        {
            if (name.StartsWith(affix, StringComparison.Ordinal) && name.Length > affix.Length)
            {
                return (name[affix.Length..], side);
            }
        }
        foreach (var (affix, side) in new[] { ("_left", 'L'), ("_right", 'R'), ("_l", 'L'), ("_r", 'R') })
        {
            if (name.EndsWith(affix, StringComparison.Ordinal) && name.Length > affix.Length)
            {
                return (name[..^affix.Length], side);
            }
        }
        return (name, ' ');
    }
}
