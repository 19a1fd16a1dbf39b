using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Imaging;

/// <summary>
/// Renders axial slices of an image with its label map overlaid as an RGB montage: one column per level, the plain
/// image above the same slice with coloured labels and outlines. Slices are shown in radiological convention (patient
/// right on the viewer's left, anterior up) whatever the voxel order of the volume.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class LabelOverlay
{
    private static readonly byte[][] Palette =
    [
        [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180], [70, 240, 240],
        [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [220, 190, 255], [170, 110, 40], [255, 250, 200],
        [128, 0, 0], [170, 255, 195], [128, 128, 0], [255, 215, 180], [0, 0, 128], [128, 128, 128],
    ];

    /// <summary>An RGB image: pixels row by row from the top, 3 bytes per pixel.</summary>
    /// <param name="Width">Width in pixels.</param>
    /// <param name="Height">Height in pixels.</param>
    /// <param name="Rgb">The pixels.</param>
    public sealed record RgbImage(int Width, int Height, byte[] Rgb);

    /// <summary>The overlay colour of label value <paramref name="value"/> (value 0 has none).</summary>
    public static (byte R, byte G, byte B) Colour(int value)
    {
        var c = Palette[(Math.Max(value, 1) - 1) % Palette.Length];
        return (c[0], c[1], c[2]);
    }

    /// <summary>Renders a montage of the slices at normalised axial positions <paramref name="positions"/> (0 inferior, 1 superior).</summary>
    /// <param name="image">The image.</param>
    /// <param name="labels">Labels with the image's geometry, or null for the image alone.</param>
    /// <param name="positions">Positions in [0, 1] along the inferior-superior axis.</param>
    /// <param name="scale">Integer magnification (1..8).</param>
    /// <exception cref="ArgumentException">Geometry mismatch, no positions, a position outside [0, 1] or a bad scale.</exception>
    public static RgbImage Montage(Volume<float> image, Volume<int>? labels, IReadOnlyList<double> positions, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Count == 0 || positions.Any(p => p is < 0 or > 1 || double.IsNaN(p)))
        {
            throw new ArgumentException("Positions must be a non-empty list of values in [0, 1].", nameof(positions));
        }
        if (scale is < 1 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "Scale must be in [1, 8].");
        }
        if (labels is not null && !labels.SameGeometry(image))
        {
            throw new ArgumentException("Labels and image differ in geometry.", nameof(labels));
        }
        var (img, plan) = Orientation.ToCanonical(image);
        var lab = labels is null ? null : plan.Apply(labels);

        float[] sorted = (float[])img.Data.Clone();
        Array.Sort(sorted);
        double hi = sorted[(int)Math.Min(sorted.Length - 1, Math.Round(0.995 * (sorted.Length - 1)))];
        double lo = 0;
        if (hi <= lo)
        {
            hi = lo + 1;
        }

        var s = img.Shape;
        int pw = s.X * scale, ph = s.Y * scale;
        int rows = lab is null ? 1 : 2;
        int gap = 4;
        int width = (positions.Count * pw) + ((positions.Count - 1) * gap);
        int height = (rows * ph) + ((rows - 1) * gap);
        var rgb = new byte[3 * width * height];
        for (int p = 0; p < positions.Count; p++)
        {
            int z = Math.Clamp((int)Math.Round(positions[p] * (s.Z - 1)), 0, s.Z - 1);
            int ox = p * (pw + gap);
            for (int r = 0; r < rows; r++)
            {
                int oy = r * (ph + gap);
                for (int py = 0; py < ph; py++)
                {
                    int y = s.Y - 1 - (py / scale); // anterior up
                    for (int px = 0; px < pw; px++)
                    {
                        int x = s.X - 1 - (px / scale); // patient right on the viewer's left
                        double g = Math.Clamp((img[x, y, z] - lo) / (hi - lo), 0, 1) * 255;
                        double cr = g, cg = g, cb = g;
                        if (r == 1 && lab is not null)
                        {
                            int v = lab[x, y, z];
                            if (v != 0)
                            {
                                bool edge = IsEdge(lab, x, y, z, v);
                                var (R, G, B) = Colour(v);
                                double a = edge ? 0.9 : 0.45;
                                cr = ((1 - a) * cr) + (a * R);
                                cg = ((1 - a) * cg) + (a * G);
                                cb = ((1 - a) * cb) + (a * B);
                            }
                        }
                        int o = 3 * (((oy + py) * width) + ox + px);
                        rgb[o] = (byte)Math.Round(cr);
                        rgb[o + 1] = (byte)Math.Round(cg);
                        rgb[o + 2] = (byte)Math.Round(cb);
                    }
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static bool IsEdge(Volume<int> lab, int x, int y, int z, int v)
    {
        var s = lab.Shape;
        return (x > 0 && lab[x - 1, y, z] != v) || (x < s.X - 1 && lab[x + 1, y, z] != v)
            || (y > 0 && lab[x, y - 1, z] != v) || (y < s.Y - 1 && lab[x, y + 1, z] != v);
    }
}
