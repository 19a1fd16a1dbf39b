using System.Globalization;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Tests.Dicom;

namespace ThighSeg.Cli.Tests.Support;

/// <summary>Writes a phantom volume as a classic MR DICOM series, for CLI tests that need DICOM input.</summary>
internal static class PhantomDicom
{
    /// <summary>
    /// Writes <paramref name="image"/> as one MR slice file per z in <paramref name="folder"/> in ThighSeg's DICOM
    /// convention (voxel (x, y, z) = stored column x, row Y-1-y, slice z), with the given series and study UIDs.
    /// </summary>
    public static void WriteSeries(Volume<float> image, string folder, string seriesUid, string studyUid, string instancePrefix = "1.2.826.0.1.3680043.8.498.71",
        string filePrefix = "slice")
    {
        Directory.CreateDirectory(folder);
        var a = image.Affine;
        double[] Lps(int col) => [-a[0, col], -a[1, col], a[2, col]];
        double[] c0 = Lps(0), c1 = Lps(1);
        double n0 = Math.Sqrt(c0.Sum(v => v * v)), n1 = Math.Sqrt(c1.Sum(v => v * v));
        double[] orientation = [c0[0] / n0, c0[1] / n0, c0[2] / n0, -c1[0] / n1, -c1[1] / n1, -c1[2] / n1];
        float max = image.Data.Max(v => Math.Abs(v));
        double slope = max > 0 ? max / 30000.0 : 1;
        var s = image.Shape;
        for (int z = 0; z < s.Z; z++)
        {
            var (r, ant, sup) = a.Apply(0, s.Y - 1, z);
            var pixels = new short[s.X * s.Y];
            for (int row = 0; row < s.Y; row++)
            {
                for (int col = 0; col < s.X; col++)
                {
                    pixels[(row * s.X) + col] = (short)Math.Round(image[col, s.Y - 1 - row, z] / slope);
                }
            }
            DicomTestWriter.MrSlice(s.Y, s.X, [-r, -ant, sup], orientation, [n1, n0], pixels, seriesUid, z + 1, slope)
                .Text(0x00080018, "UI", instancePrefix + (z + 1).ToString(CultureInfo.InvariantCulture))
                .Text(0x00100010, "PN", "Phantom^Pacs")
                .Text(0x00100020, "LO", "PACS-1")
                .Text(0x0020000D, "UI", studyUid)
                .Text(0x00200052, "UI", "1.2.826.0.1.3680043.8.498.7003")
                .Text(0x0008103E, "LO", "phantom thighs")
                .WriteTo(Path.Combine(folder, $"{filePrefix}{z:D3}.dcm"));
        }
    }
}
