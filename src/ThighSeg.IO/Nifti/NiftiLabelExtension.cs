using System.Globalization;
using System.Text.Json;

namespace ThighSeg.IO.Nifti;

/// <summary>
/// Label names stored inside a NIfTI file as a header extension: <c>ecode</c> 6 (NIFTI_ECODE_COMMENT, which every
/// reader may ignore safely) whose payload is UTF-8 JSON, zero-padded to a multiple of 16 bytes:
/// <c>{"thighseg":"labels","version":1,"labels":{"1":"vastus lateralis",...}}</c>. Other comment extensions (plain text
/// or JSON without the <c>"thighseg":"labels"</c> marker) are ignored.
/// </summary>
internal static class NiftiLabelExtension
{
    public const int ECode = 6;

    private const string Marker = "labels";

    /// <summary>The complete extension block (esize, ecode, payload), esize a multiple of 16.</summary>
    public static byte[] Encode(IReadOnlyDictionary<int, string> labels)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("thighseg", Marker);
            w.WriteNumber("version", 1);
            w.WriteStartObject("labels");
            foreach (var (value, name) in labels.OrderBy(kv => kv.Key))
            {
                w.WriteString(value.ToString(CultureInfo.InvariantCulture), name);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        byte[] json = ms.ToArray();
        int esize = (json.Length + 8 + 15) / 16 * 16;
        var block = new byte[esize];
        BitConverter.TryWriteBytes(block.AsSpan(0, 4), esize);
        BitConverter.TryWriteBytes(block.AsSpan(4, 4), ECode);
        if (!BitConverter.IsLittleEndian)
        {
            Array.Reverse(block, 0, 4);
            Array.Reverse(block, 4, 4);
        }
        json.CopyTo(block, 8);
        return block;
    }

    /// <summary>
    /// Label names from a comment-extension payload, or null when the payload is not a ThighSeg label extension.
    /// </summary>
    /// <exception cref="VolumeFormatException">The payload carries the ThighSeg marker but its labels are malformed.</exception>
    public static IReadOnlyDictionary<int, string>? TryParse(ReadOnlySpan<byte> payload, string source)
    {
        int end = payload.Length;
        while (end > 0 && payload[end - 1] == 0)
        {
            end--;
        }
        payload = payload[..end];
        if (payload.IsEmpty || payload[0] != (byte)'{')
        {
            return null;
        }
        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            if (payload.IndexOf("\"thighseg\""u8) >= 0)
            {
                throw new VolumeFormatException($"{source}: the ThighSeg label extension is not valid UTF-8.");
            }
            return null; // some other tool's comment
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            return null; // some other tool's comment
        }
        using (doc)
        {
            try
            {
                return Labels(doc.RootElement, source);
            }
            catch (InvalidOperationException ex)
            {
                // JsonElement refuses to turn a lone UTF-16 surrogate escape ("\ud800") into a .NET string.
                if (payload.IndexOf("\"thighseg\""u8) < 0)
                {
                    return null; // some other tool's comment
                }
                throw new VolumeFormatException($"{source}: the ThighSeg label extension holds a string that is not valid Unicode (a lone UTF-16 surrogate escape such as \\ud800).", ex);
            }
        }
    }

    private static SortedDictionary<int, string>? Labels(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("thighseg", out var marker) || marker.ValueKind != JsonValueKind.String || marker.GetString() != Marker)
        {
            return null;
        }
        if (!root.TryGetProperty("labels", out var labels) || labels.ValueKind != JsonValueKind.Object)
        {
            throw new VolumeFormatException($"{source}: the ThighSeg label extension has no \"labels\" object.");
        }
        var result = new SortedDictionary<int, string>();
        foreach (var p in labels.EnumerateObject())
        {
            if (!int.TryParse(p.Name, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || p.Value.ValueKind != JsonValueKind.String)
            {
                throw new VolumeFormatException($"{source}: the ThighSeg label extension has an invalid entry \"{p.Name}\": keys must be integers and names strings.");
            }
            result[value] = p.Value.GetString()!;
        }
        return result;
    }
}
