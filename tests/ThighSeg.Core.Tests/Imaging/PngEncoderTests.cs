using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using ThighSeg.Core.Imaging;

namespace ThighSeg.Core.Tests.Imaging;

public class PngEncoderTests
{
    private static byte[] Pattern(int w, int h)
    {
        var rgb = new byte[3 * w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int o = 3 * ((y * w) + x);
                rgb[o] = (byte)(x * 7);
                rgb[o + 1] = (byte)(y * 13);
                rgb[o + 2] = (byte)((x * y) + 5);
            }
        }
        return rgb;
    }

    /// <summary>Decodes an RGB8 PNG written by the encoder: checks signature, chunk CRCs, IHDR, inflates IDAT and undoes filters 0 and 1.</summary>
    private static (int W, int H, byte[] Rgb) Decode(byte[] png)
    {
        Assert.That(png.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }));
        int pos = 8, w = 0, h = 0;
        var idat = new MemoryStream();
        var types = new List<string>();
        while (pos < png.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            types.Add(type);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            Assert.That(crc, Is.EqualTo(Crc32.Compute(png.AsSpan(pos + 4, 4 + len))), $"CRC of {type}");
            var data = png.AsSpan(pos + 8, len);
            if (type == "IHDR")
            {
                w = BinaryPrimitives.ReadInt32BigEndian(data);
                h = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.That(data[8..].ToArray(), Is.EqualTo(new byte[] { 8, 2, 0, 0, 0 }));
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            pos += 12 + len;
        }
        Assert.That(types[0], Is.EqualTo("IHDR"));
        Assert.That(types[^1], Is.EqualTo("IEND"));
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        var bytes = raw.ToArray();
        int stride = 3 * w;
        Assert.That(bytes, Has.Length.EqualTo(h * (stride + 1)));
        var rgb = new byte[h * stride];
        for (int y = 0; y < h; y++)
        {
            byte filter = bytes[y * (stride + 1)];
            Assert.That(filter, Is.AnyOf((byte)0, (byte)1));
            for (int i = 0; i < stride; i++)
            {
                byte v = bytes[(y * (stride + 1)) + 1 + i];
                rgb[(y * stride) + i] = filter == 1 && i >= 3 ? (byte)(v + rgb[(y * stride) + i - 3]) : v;
            }
        }
        return (w, h, rgb);
    }

    [Test]
    public void Crc32_MatchesTheStandardCheckValue()
    {
        Assert.That(Crc32.Compute("123456789"u8), Is.EqualTo(0xCBF43926u));
    }

    [TestCase(1, 1)]
    [TestCase(17, 9)]
    [TestCase(300, 40)]
    public void EncodeRgb_DecodesBackToTheSamePixels(int w, int h)
    {
        var rgb = Pattern(w, h);
        var (dw, dh, decoded) = Decode(PngEncoder.EncodeRgb(w, h, rgb));
        Assert.Multiple(() =>
        {
            Assert.That(dw, Is.EqualTo(w));
            Assert.That(dh, Is.EqualTo(h));
            Assert.That(decoded, Is.EqualTo(rgb));
        });
    }

    [Test]
    public void EncodeRgb_RejectsWrongBufferLength()
    {
        Assert.That(() => PngEncoder.EncodeRgb(4, 4, new byte[10]), Throws.ArgumentException.With.Message.Contains("48"));
    }

    [Test]
    public void WriteRgb_IsReadableByPillowWhenAvailable()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Assert.Ignore("/usr/bin/python3 is not installed.");
        }
        string path = Path.Combine(Path.GetTempPath(), $"thighseg-png-{Guid.NewGuid():N}.png");
        try
        {
            var rgb = Pattern(23, 11);
            PngEncoder.WriteRgb(path, 23, 11, rgb);
            var psi = new ProcessStartInfo(python, ["-c", "import sys\ntry:\n from PIL import Image\nexcept ImportError:\n print('NOPIL'); sys.exit(0)\nim=Image.open(sys.argv[1]); im.load(); print(im.mode, im.size[0], im.size[1], sum(im.tobytes()))", path])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            if (output == "NOPIL")
            {
                Assert.Ignore("Pillow is not installed.");
            }
            Assert.That(output, Is.EqualTo($"RGB 23 11 {rgb.Sum(b => (long)b)}"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Montage_ShowsRadiologicalOrientation()
    {
        // 4x2x1 RAS volume: the voxel at the patient's right (x = 3) must appear on the viewer's left.
        var data = new float[8];
        data[3] = 100; // (x=3, y=0)
        var img = new ThighSeg.Core.Volumes.Volume<float>(new(4, 2, 1), ThighSeg.Core.Volumes.Affine.Identity, data);
        var m = LabelOverlay.Montage(img, null, [0.5]);
        Assert.Multiple(() =>
        {
            Assert.That((m.Width, m.Height), Is.EqualTo((4, 2)));
            // y = 0 is posterior, so it is the bottom row; x = 3 is the first column.
            Assert.That(m.Rgb[3 * ((1 * 4) + 0)], Is.EqualTo(255));
            Assert.That(m.Rgb.Count(b => b == 255), Is.EqualTo(3));
        });
    }
}
