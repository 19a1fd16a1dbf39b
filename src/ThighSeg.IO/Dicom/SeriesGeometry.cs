using System.Globalization;
using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// Validates the images of one series and derives slice order, shape and the RAS+ affine (see
/// <see cref="DicomSeriesReader"/> for the convention).
/// </summary>
internal sealed class SeriesGeometry
{
    private const int MaxListed = 5;

    private SeriesGeometry(IReadOnlyList<DicomImage> slices, VolumeShape shape, Affine affine)
    {
        Slices = slices;
        Shape = shape;
        Affine = affine;
    }

    /// <summary>The images in z order.</summary>
    public IReadOnlyList<DicomImage> Slices { get; }

    public VolumeShape Shape { get; }

    public Affine Affine { get; }

    public static SeriesGeometry Build(string path, IReadOnlyList<DicomImage> images, long maxVoxels = VolumeReadOptions.DefaultMaxVoxels)
    {
        DicomImage first = images[0];
        long voxels = (long)first.Columns * first.Rows * images.Count;
        if (voxels > Array.MaxLength)
        {
            throw new DicomFormatException(path, $"the series has {voxels} voxels, more than one array can hold", null, null);
        }
        if (voxels > maxVoxels)
        {
            throw new DicomFormatException(path, string.Create(CultureInfo.InvariantCulture,
                $"the series has {first.Columns}x{first.Rows}x{images.Count} = {voxels} voxels, more than the limit of {maxVoxels} (VolumeReadOptions.MaxVoxels; raise it to read larger volumes)"), null, null);
        }
        var shape = new VolumeShape(first.Columns, first.Rows, images.Count);
        if (images.Count == 1)
        {
            return Single(first, shape);
        }

        var missing = images.Where(i => i.Position is null || i.Orientation is null || i.PixelSpacing is null).ToList();
        if (missing.Count > 0)
        {
            throw new DicomFormatException(path,
                $"{missing.Count} of {images.Count} images lack ImagePositionPatient, ImageOrientationPatient or PixelSpacing, " +
                $"so the slices cannot be placed: {List(missing.Select(i => Path.GetFileName(i.Source)))}", null, null);
        }
        var sizes = images.GroupBy(i => (i.Rows, i.Columns)).ToList();
        if (sizes.Count > 1)
        {
            throw new DicomFormatException(path, "the images have different sizes: " +
                List(sizes.Select(g => $"{g.Key.Rows}x{g.Key.Columns} (rows x columns) in {g.Count()} image(s), e.g. {Path.GetFileName(g.First().Source)}")), null, null);
        }
        var types = images.GroupBy(i => i.StoredTypeName).ToList();
        if (types.Count > 1)
        {
            throw new DicomFormatException(path, "the images store different pixel types: " +
                List(types.Select(g => $"{g.Key} in {g.Count()} image(s), e.g. {Path.GetFileName(g.First().Source)}")), null, null);
        }
        double[] o = first.Orientation!;
        double[] ps = first.PixelSpacing!;
        foreach (DicomImage image in images)
        {
            double[] oi = image.Orientation!;
            for (int n = 0; n < 6; n++)
            {
                if (Math.Abs(oi[n] - o[n]) > DicomSeriesReader.OrientationTolerance)
                {
                    throw new DicomFormatException(path,
                        $"the images have different orientations: {Path.GetFileName(first.Source)} has ImageOrientationPatient {Format(o)} " +
                        $"but {Path.GetFileName(image.Source)} has {Format(oi)}", null, null);
                }
            }
            double[] pi = image.PixelSpacing!;
            if (Math.Abs(pi[0] - ps[0]) > 1e-4 || Math.Abs(pi[1] - ps[1]) > 1e-4)
            {
                throw new DicomFormatException(path,
                    $"the images have different pixel spacings: {Path.GetFileName(first.Source)} has {Format(ps)} but {Path.GetFileName(image.Source)} has {Format(pi)}", null, null);
            }
        }

        double[] r = [o[0], o[1], o[2]];
        double[] c = [o[3], o[4], o[5]];
        double[] normal = Cross(r, c);
        double nn = Math.Sqrt(Dot(normal, normal));
        normal = [normal[0] / nn, normal[1] / nn, normal[2] / nn];

        var sorted = images
            .Select(i => (Image: i, D: Dot(i.Position!, normal)))
            .OrderBy(t => t.D)
            .ThenBy(t => t.Image.InstanceNumber ?? int.MaxValue)
            .ThenBy(t => t.Image.Source, StringComparer.Ordinal)
            .ToList();

        // Duplicate positions: several images in one place (echoes, phases, repeats).
        var duplicates = new List<string>();
        for (int k = 1; k < sorted.Count; k++)
        {
            if (sorted[k].D - sorted[k - 1].D < DicomSeriesReader.DuplicatePositionTolerance)
            {
                duplicates.Add($"{Path.GetFileName(sorted[k - 1].Image.Source)} and {Path.GetFileName(sorted[k].Image.Source)} at {Mm(sorted[k].D)} mm");
            }
        }
        if (duplicates.Count > 0)
        {
            throw new DicomFormatException(path,
                $"{duplicates.Count} pair(s) of images share a slice position along the normal, so the series holds several echoes, phases, " +
                $"time points or repeats, which ThighSeg does not separate: {List(duplicates)}", null, null);
        }

        double d0 = sorted[0].D;
        double mean = (sorted[^1].D - d0) / (sorted.Count - 1);
        var gaps = new List<string>();
        for (int k = 1; k < sorted.Count; k++)
        {
            double gap = sorted[k].D - sorted[k - 1].D;
            if (Math.Abs(gap - mean) > DicomSeriesReader.SliceSpacingTolerance * mean)
            {
                gaps.Add($"slices {k - 1} and {k} ({Path.GetFileName(sorted[k - 1].Image.Source)} at {Mm(sorted[k - 1].D)} mm, " +
                    $"{Path.GetFileName(sorted[k].Image.Source)} at {Mm(sorted[k].D)} mm) are {Mm(gap)} mm apart");
            }
        }
        if (gaps.Count > 0)
        {
            throw new DicomFormatException(path,
                $"the slice spacing is not uniform (mean {Mm(mean)} mm, tolerance {DicomSeriesReader.SliceSpacingTolerance:P0}; missing slices?): {List(gaps)}", null, null);
        }

        // Every position must lie on the line through the first one along the normal (no gantry tilt or shear).
        double[] p0 = sorted[0].Image.Position!;
        foreach (var (image, d) in sorted)
        {
            double[] p = image.Position!;
            double along = d - d0;
            double[] off = [p[0] - p0[0] - (along * normal[0]), p[1] - p0[1] - (along * normal[1]), p[2] - p0[2] - (along * normal[2])];
            double inPlane = Math.Sqrt(Dot(off, off));
            if (inPlane > Math.Max(1e-3, 1e-3 * Math.Abs(along)))
            {
                throw new DicomFormatException(path,
                    $"the slices are not stacked along the slice normal: {Path.GetFileName(image.Source)} is offset {Mm(inPlane)} mm in-plane from the line through " +
                    $"{Path.GetFileName(sorted[0].Image.Source)} (gantry tilt or a sheared stack), which ThighSeg does not support", null, null);
            }
        }

        double[] pLast = sorted[^1].Image.Position!;
        double[] step = [(pLast[0] - p0[0]) / (sorted.Count - 1), (pLast[1] - p0[1]) / (sorted.Count - 1), (pLast[2] - p0[2]) / (sorted.Count - 1)];
        return new SeriesGeometry(sorted.Select(t => t.Image).ToList(), shape, MakeAffine(path, first.Rows, r, c, ps, step, p0));
    }

    private static SeriesGeometry Single(DicomImage image, VolumeShape shape)
    {
        double[] r, c, p;
        double[] ps;
        if (image.Position is not null && image.Orientation is not null)
        {
            ps = image.PixelSpacing ?? throw new DicomFormatException(image.Source,
                "the image has ImagePositionPatient and ImageOrientationPatient but no PixelSpacing", "(0028,0030)", null);
            r = [image.Orientation[0], image.Orientation[1], image.Orientation[2]];
            c = [image.Orientation[3], image.Orientation[4], image.Orientation[5]];
            p = image.Position;
        }
        else
        {
            // No patient geometry (e.g. secondary capture): rows along +x, columns along +y (LPS), origin 0.
            ps = image.PixelSpacing ?? [1.0, 1.0];
            r = [1, 0, 0];
            c = [0, 1, 0];
            p = [0, 0, 0];
        }
        double[] n = Cross(r, c);
        double nn = Math.Sqrt(Dot(n, n));
        double thickness = image.SliceThickness ?? 1.0;
        double[] step = [n[0] / nn * thickness, n[1] / nn * thickness, n[2] / nn * thickness];
        return new SeriesGeometry([image], shape, MakeAffine(image.Source, image.Rows, r, c, ps, step, p));
    }

    /// <summary>
    /// The RAS+ affine for voxel (x = column, y = Rows-1-row, z = slice): in LPS, column 0 is ΔColumn·r, column 1 is
    /// −ΔRow·c, column 2 is the slice step and the origin is the centre of the first slice's last stored row's first
    /// pixel; x and y rows are then negated for RAS.
    /// </summary>
    private static Affine MakeAffine(string source, int rows, double[] r, double[] c, double[] pixelSpacing, double[] step, double[] p0)
    {
        double rowSpacing = pixelSpacing[0], colSpacing = pixelSpacing[1];
        var m = new double[16];
        for (int a = 0; a < 3; a++)
        {
            double sign = a < 2 ? -1 : 1;
            m[(a * 4) + 0] = sign * colSpacing * r[a];
            m[(a * 4) + 1] = sign * -rowSpacing * c[a];
            m[(a * 4) + 2] = sign * step[a];
            m[(a * 4) + 3] = sign * (p0[a] + ((rows - 1) * rowSpacing * c[a]));
        }
        m[15] = 1;
        for (int n = 0; n < 12; n++)
        {
            m[n] += 0.0; // no negative zeros from the LPS-to-RAS sign flip
        }
        if (VoxelGeometry.Problem(m) is string problem)
        {
            throw new DicomFormatException(source, $"unusable geometry from PixelSpacing, ImageOrientationPatient and the slice positions or SliceThickness: {problem}", null, null);
        }
        return Affine.FromRowMajor(m);
    }

    private static double[] Cross(double[] a, double[] b) =>
        [(a[1] * b[2]) - (a[2] * b[1]), (a[2] * b[0]) - (a[0] * b[2]), (a[0] * b[1]) - (a[1] * b[0])];

    private static double Dot(double[] a, double[] b) => (a[0] * b[0]) + (a[1] * b[1]) + (a[2] * b[2]);

    private static string Mm(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Format(double[] v) => "[" + string.Join(", ", v.Select(x => x.ToString("G6", CultureInfo.InvariantCulture))) + "]";

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        string shown = string.Join("; ", all.Take(MaxListed));
        return all.Count > MaxListed ? $"{shown}; and {all.Count - MaxListed} more" : shown;
    }
}
