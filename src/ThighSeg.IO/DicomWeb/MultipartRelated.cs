using System.Net.Http.Headers;
using System.Text;

namespace ThighSeg.IO.DicomWeb;

/// <summary>multipart/related bodies (RFC 2387) as DICOMweb uses them: parse a WADO-RS answer, build a STOW-RS request.</summary>
internal static class MultipartRelated
{
    /// <summary>The boundary parameter of a multipart Content-Type, or null.</summary>
    public static string? Boundary(MediaTypeHeaderValue? contentType)
    {
        string? b = contentType?.Parameters.FirstOrDefault(p => p.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase))?.Value;
        return b?.Trim('"');
    }

    /// <summary>The bodies of the parts of <paramref name="body"/> (headers dropped).</summary>
    /// <exception cref="FormatException">No opening boundary, or a part without a header end or closing boundary.</exception>
    public static List<byte[]> Parse(byte[] body, string boundary)
    {
        byte[] dash = Encoding.ASCII.GetBytes("--" + boundary);
        byte[] delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        var parts = new List<byte[]>();
        ReadOnlySpan<byte> all = body;
        int pos = all.IndexOf(dash);
        if (pos < 0)
        {
            throw new FormatException($"the multipart body has no boundary '{boundary}'");
        }
        pos += dash.Length;
        while (true)
        {
            ReadOnlySpan<byte> rest = all[pos..];
            if (rest.StartsWith("--"u8))
            {
                return parts; // closing delimiter
            }
            int lineEnd = rest.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                throw new FormatException("the multipart body ends inside a boundary line");
            }
            pos += lineEnd + 2;
            int headerEnd = all[pos..].IndexOf("\r\n\r\n"u8);
            int contentStart;
            if (all[pos..].StartsWith("\r\n"u8))
            {
                contentStart = pos + 2; // no headers
            }
            else if (headerEnd >= 0)
            {
                contentStart = pos + headerEnd + 4;
            }
            else
            {
                throw new FormatException("a multipart part has no end of headers");
            }
            int end = all[contentStart..].IndexOf(delimiter);
            if (end < 0)
            {
                throw new FormatException("a multipart part has no closing boundary (truncated answer?)");
            }
            parts.Add(all.Slice(contentStart, end).ToArray());
            pos = contentStart + end + delimiter.Length;
        }
    }

    /// <summary>A multipart/related; type="application/dicom" body holding <paramref name="instances"/>.</summary>
    public static (byte[] Body, string Boundary) Build(IReadOnlyList<byte[]> instances)
    {
        string boundary = "thighseg-" + Guid.NewGuid().ToString("N");
        using var o = new MemoryStream();
        foreach (byte[] instance in instances)
        {
            o.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\nContent-Length: {instance.Length}\r\n\r\n"));
            o.Write(instance);
            o.Write("\r\n"u8);
        }
        o.Write(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
        return (o.ToArray(), boundary);
    }
}
