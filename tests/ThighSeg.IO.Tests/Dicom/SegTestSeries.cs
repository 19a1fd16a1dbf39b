using System.Globalization;

namespace ThighSeg.IO.Tests.Dicom;

/// <summary>A small MR series with full patient/study/frame-of-reference attributes, written by <see cref="DicomTestWriter"/>.</summary>
internal static class SegTestSeries
{
    public const string StudyUid = "1.2.826.0.1.3680043.8.498.1001";
    public const string SeriesUid = "1.2.826.0.1.3680043.8.498.1002";
    public const string FrameOfReferenceUid = "1.2.826.0.1.3680043.8.498.1003";

    /// <summary>Writes <paramref name="slices"/> oblique slices of rows x cols into <paramref name="folder"/>; returns the SOP Instance UIDs by slice.</summary>
    public static string[] Write(string folder, int rows = 24, int cols = 20, int slices = 6, bool oblique = true)
    {
        Directory.CreateDirectory(folder);
        double a = oblique ? 0.3 : 0, b = oblique ? 0.2 : 0;
        // Row direction r and column direction c: a rotation of the axial basis (orthonormal).
        double[] r = [Math.Cos(a), Math.Sin(a), 0];
        double[] c0 = [-Math.Sin(a), Math.Cos(a), 0];
        double[] c = [c0[0], c0[1] * Math.Cos(b), Math.Sin(b)];
        double nc = Math.Sqrt((c[0] * c[0]) + (c[1] * c[1]) + (c[2] * c[2]));
        c = [c[0] / nc, c[1] / nc, c[2] / nc];
        double rc = (r[0] * c[0]) + (r[1] * c[1]) + (r[2] * c[2]);
        c = [c[0] - (rc * r[0]), c[1] - (rc * r[1]), c[2] - (rc * r[2])];
        nc = Math.Sqrt((c[0] * c[0]) + (c[1] * c[1]) + (c[2] * c[2]));
        c = [c[0] / nc, c[1] / nc, c[2] / nc];
        double[] n = [(r[1] * c[2]) - (r[2] * c[1]), (r[2] * c[0]) - (r[0] * c[2]), (r[0] * c[1]) - (r[1] * c[0])];
        var uids = new string[slices];
        for (int k = 0; k < slices; k++)
        {
            double[] p = [-40.5 + (3.0 * k * n[0]), 12.25 + (3.0 * k * n[1]), 80 + (3.0 * k * n[2])];
            var pixels = Enumerable.Range(0, rows * cols).Select(i => (short)((i * 7) + k)).ToArray();
            // Files are written in reverse slice order with shuffled names, so the writer must place them by position.
            int instance = slices - k;
            string sop = $"1.2.826.0.1.3680043.8.498.2{instance.ToString(CultureInfo.InvariantCulture)}";
            uids[k] = sop;
            DicomTestWriter.MrSlice(rows, cols, p, [r[0], r[1], r[2], c[0], c[1], c[2]], [0.8, 0.7], pixels, SeriesUid, instance)
                .Text(0x00080018, "UI", sop)
                .Text(0x00080020, "DA", "20260101")
                .Text(0x00080030, "TM", "101500")
                .Text(0x00080050, "SH", "ACC42")
                .Text(0x00080090, "PN", "Referrer^Ann")
                .Text(0x00100010, "PN", "Thigh^Test")
                .Text(0x00100020, "LO", "PAT-0042")
                .Text(0x00100030, "DA", "19800101")
                .Text(0x00100040, "CS", "F")
                .Text(0x0020000D, "UI", StudyUid)
                .Text(0x00200010, "SH", "S1")
                .Text(0x00200011, "IS", "3")
                .Text(0x00200052, "UI", FrameOfReferenceUid)
                .Text(0x00201040, "LO", "")
                .Numbers(0x00180050, 3.0)
                .WriteTo(Path.Combine(folder, $"IM{(997 * (k + 3)) % 1000:D3}"));
        }
        return uids;
    }
}
