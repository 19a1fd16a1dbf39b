using System.Buffers.Binary;
using System.IO.Compression;

namespace ThighSeg.Core.Imaging;

/// <summary>
/// A minimal, standards-conforming PNG encoder for 8-bit RGB images (colour type 2, no interlace), enough for
/// montages and overlays. Pixel data are zlib-compressed with <see cref="ZLibStream"/>; every chunk carries its CRC-32.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class PngEncoder
{
    private static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Encodes an RGB image to PNG bytes.</summary>
    /// <param name="width">Width in pixels (positive).</param>
    /// <param name="height">Height in pixels (positive).</param>
    /// <param name="rgb">Pixels row by row from the top, 3 bytes (R, G, B) per pixel: <c>3·(y·width + x)</c>.</param>
    /// <exception cref="ArgumentException">Non-positive size or a buffer of the wrong length.</exception>
    public static byte[] EncodeRgb(int width, int height, ReadOnlySpan<byte> rgb)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentException($"PNG size must be positive, got {width}x{height}.", nameof(width));
        }
        long expected = 3L * width * height;
        if (rgb.Length != expected)
        {
            throw new ArgumentException($"RGB buffer has {rgb.Length} bytes; {width}x{height} needs {expected}.", nameof(rgb));
        }

        using var png = new MemoryStream();
        png.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // colour type: truecolour
        ihdr[10] = 0; // compression: deflate
        ihdr[11] = 0; // filter method 0
        ihdr[12] = 0; // no interlace
        WriteChunk(png, "IHDR"u8, ihdr);

        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
            {
                int stride = 3 * width;
                var row = new byte[stride + 1];
                for (int y = 0; y < height; y++)
                {
                    // Filter type 1 (Sub): each byte minus the byte one pixel to the left; compresses images well.
                    row[0] = 1;
                    ReadOnlySpan<byte> src = rgb.Slice(y * stride, stride);
                    for (int i = 0; i < stride; i++)
                    {
                        row[i + 1] = (byte)(src[i] - (i >= 3 ? src[i - 3] : 0));
                    }
                    z.Write(row);
                }
            }
            WriteChunk(png, "IDAT"u8, raw.GetBuffer().AsSpan(0, (int)raw.Length));
        }
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>Encodes an RGB image and writes it atomically (temporary file, then rename) to <paramref name="path"/>.</summary>
    public static void WriteRgb(string path, int width, int height, ReadOnlySpan<byte> rgb)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = EncodeRgb(width, height, rgb);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    private static void WriteChunk(Stream s, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        s.Write(type);
        s.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        Span<byte> c = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(c, crc);
        s.Write(c);
    }
}
