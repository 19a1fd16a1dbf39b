using System.Globalization;
using System.Runtime.InteropServices;
using SkiaSharp;
using ThighSeg.Core.Data;
using ThighSeg.Core.Quantification;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Imaging;

/// <summary>
/// Quality-control figures drawn with SkiaSharp (so they carry text): a per-case preview (axial slices at chosen levels
/// and a coronal reformat, image with label overlay, titles, orientation letters and a legend of label names and
/// colours) and a titled grid montage with a legend from plain RGB cells.
/// </summary>
/// <remarks>
/// Slices are shown in radiological convention (patient right on the viewer's left; anterior, or superior, up) whatever
/// the stored voxel order, scaled to their physical aspect ratio. Overlay colours are <see cref="LabelOverlay.Colour"/>,
/// so both sides of a muscle under <see cref="SideLabelScheme.Offset"/> share a colour and the legend lists each muscle
/// once. Text uses the first installed sans-serif TrueType font (DejaVu Sans on Debian); without any font a
/// <see cref="RenderingException"/> is thrown. Thread-safe.
/// </remarks>
public static class PreviewRenderer
{
    private const int Margin = 12, Gap = 12, TitleSize = 18, PanelTitleSize = 13, LegendSize = 13, Swatch = 14;
    private static readonly SKColor Background = new(24, 24, 28), Foreground = new(235, 235, 235), Marker = new(255, 220, 80);
    private static readonly Lazy<SKTypeface> Typeface = new(LoadTypeface, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The font family text is drawn with.</summary>
    /// <exception cref="RenderingException">No usable font is installed.</exception>
    public static string FontFamily => Typeface.Value.FamilyName;

    /// <summary>A PNG preview of one case: axial slices at <see cref="PreviewOptions.Levels"/> and a coronal reformat, with the overlay and a legend.</summary>
    /// <param name="image">The image.</param>
    /// <param name="labels">Labels on the image's grid, or null for the image alone.</param>
    /// <param name="names">Label names (null: <c>label_v</c>).</param>
    /// <param name="options">Options (null: defaults).</param>
    /// <exception cref="ArgumentException">Labels on another grid than the image.</exception>
    /// <exception cref="RenderingException">No usable font is installed.</exception>
    public static byte[] CasePreview(Volume<float> image, Volume<int>? labels, LabelMap? names, PreviewOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= PreviewOptions.Default;
        if (labels is not null && !labels.SameGeometry(image))
        {
            throw new ArgumentException($"Labels ({labels.Shape}, {labels.Affine}) and image ({image.Shape}, {image.Affine}) differ in geometry.", nameof(labels));
        }
        var (img, plan) = Orientation.ToCanonical(image);
        var lab = labels is null ? null : plan.Apply(labels);
        var s = img.Shape;
        var (lo, hi) = Window(img.Data);

        int first = 0, last = s.Z - 1, yCentre = s.Y / 2;
        if (lab is not null)
        {
            int f = int.MaxValue, l = -1;
            long ySum = 0, count = 0;
            for (int n = 0; n < lab.Data.Length; n++)
            {
                if (lab.Data[n] != 0)
                {
                    int z = n / s.SliceSize;
                    f = Math.Min(f, z);
                    l = Math.Max(l, z);
                    ySum += n / s.X % s.Y;
                    count++;
                }
            }
            if (l >= 0)
            {
                first = f;
                last = l;
                yCentre = (int)(ySum / count);
            }
        }
        var (sx, sy, sz) = img.Spacing;
        var panels = new List<Panel>();
        foreach (double p in options.Levels)
        {
            int k = first + (int)Math.Round(p * (last - first), MidpointRounding.AwayFromZero);
            double zmm = img.Affine.Apply((s.X - 1) / 2.0, (s.Y - 1) / 2.0, k).Z;
            var rgb = Render(s.X, s.Y, (px, py) => (s.X - 1 - px, s.Y - 1 - py, k), img, lab, lo, hi, axial: true);
            panels.Add(new Panel(rgb, s.X, s.Y, s.X * sx, s.Y * sy,
                string.Create(CultureInfo.InvariantCulture, $"axial {p * 100:0}% (slice {k}, z {zmm:0} mm)"), "A"));
        }
        if (options.Coronal)
        {
            double ymm = img.Affine.Apply((s.X - 1) / 2.0, yCentre, 0).Y;
            var rgb = Render(s.X, s.Z, (px, py) => (s.X - 1 - px, yCentre, s.Z - 1 - py), img, lab, lo, hi, axial: false);
            panels.Add(new Panel(rgb, s.X, s.Z, s.X * sx, s.Z * sz, string.Create(CultureInfo.InvariantCulture, $"coronal (y {ymm:0} mm)"), "S"));
        }
        var legend = lab is null ? [] : Legend(names, lab.Data.Where(v => v != 0).Distinct());
        return Compose(options.Title, panels, options.PanelHeight, legend);
    }

    /// <summary>Writes <see cref="CasePreview"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteCasePreview(string path, Volume<float> image, Volume<int>? labels, LabelMap? names, PreviewOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.WriteAllBytes(path, CasePreview(image, labels, names, options));
    }

    /// <summary>
    /// The legend of label values <paramref name="values"/>: one entry per muscle and colour (side suffixes dropped when
    /// both sides share a colour), ordered by value, text <c>name</c>.
    /// </summary>
    public static IReadOnlyList<LegendEntry> Legend(LabelMap? names, IEnumerable<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new List<LegendEntry>();
        var seen = new HashSet<(string, byte, byte, byte)>();
        foreach (int v in values.Where(v => v != 0).Distinct().OrderBy(v => v % 100).ThenBy(v => v))
        {
            string name = names is not null && names.Contains(v) ? names.Name(v) : "label_" + v.ToString(CultureInfo.InvariantCulture);
            SideLabels.TryParseName(name, out string muscle, out _);
            var (r, g, b) = LabelOverlay.Colour(v);
            if (seen.Add((muscle, r, g, b)))
            {
                result.Add(new LegendEntry(muscle, r, g, b));
            }
        }
        return result;
    }

    /// <summary>
    /// A titled grid montage as PNG: <paramref name="cells"/>[row][column] drawn at their own pixel size, column titles
    /// above, row titles on the left, an optional overall title and a legend below. Missing cells (short rows) stay empty.
    /// </summary>
    /// <param name="title">Overall title, or null.</param>
    /// <param name="columnTitles">One title per column (may be empty strings).</param>
    /// <param name="rowTitles">One title per row.</param>
    /// <param name="cells">The images, row by row.</param>
    /// <param name="legend">Legend entries (may be empty).</param>
    /// <exception cref="ArgumentException">Title counts that do not match the grid, or an RGB buffer of the wrong size.</exception>
    /// <exception cref="RenderingException">No usable font is installed.</exception>
    public static byte[] Grid(string? title, IReadOnlyList<string> columnTitles, IReadOnlyList<string> rowTitles,
        IReadOnlyList<IReadOnlyList<LabelOverlay.RgbImage>> cells, IReadOnlyList<LegendEntry> legend)
    {
        ArgumentNullException.ThrowIfNull(columnTitles);
        ArgumentNullException.ThrowIfNull(rowTitles);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(legend);
        int rows = cells.Count, cols = cells.Count == 0 ? 0 : cells.Max(r => r.Count);
        if (rows == 0 || cols == 0)
        {
            throw new ArgumentException("A grid needs at least one cell.", nameof(cells));
        }
        if (rowTitles.Count != rows || columnTitles.Count != cols)
        {
            throw new ArgumentException($"The grid has {rows} rows and {cols} columns but {rowTitles.Count} row titles and {columnTitles.Count} column titles.", nameof(rowTitles));
        }
        foreach (var c in cells.SelectMany(r => r))
        {
            if (c.Rgb.Length != 3L * c.Width * c.Height)
            {
                throw new ArgumentException($"A cell of {c.Width}x{c.Height} pixels has {c.Rgb.Length} RGB bytes, not {3L * c.Width * c.Height}.", nameof(cells));
            }
        }
        using var titleFont = new SKFont(Typeface.Value, TitleSize);
        using var font = new SKFont(Typeface.Value, PanelTitleSize);
        var colWidth = Enumerable.Range(0, cols).Select(c => cells.Max(r => c < r.Count ? r[c].Width : 0)).ToArray();
        var rowHeight = cells.Select(r => r.Max(c => c.Height)).ToArray();
        float rowTitleWidth = rowTitles.Max(t => font.MeasureText(t)) + Gap;
        float top = Margin + (title is null ? 0 : TitleSize + 8) + PanelTitleSize + 8;
        int gridWidth = colWidth.Sum() + (Gap * (cols - 1));
        int width = (int)Math.Ceiling(Margin + rowTitleWidth + gridWidth + Margin);
        var legendLayout = LayoutLegend(legend, width - (2 * Margin));
        int height = (int)Math.Ceiling(top + rowHeight.Sum() + (Gap * (rows - 1)) + (legend.Count == 0 ? 0 : Gap + legendLayout.Height) + Margin);

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(Background);
        using var paint = new SKPaint { Color = Foreground, IsAntialias = true };
        if (title is not null)
        {
            canvas.DrawText(title, Margin, Margin + TitleSize, SKTextAlign.Left, titleFont, paint);
        }
        float x0 = Margin + rowTitleWidth;
        float x = x0;
        for (int c = 0; c < cols; c++)
        {
            canvas.DrawText(columnTitles[c], x + (colWidth[c] / 2f), top - 8, SKTextAlign.Center, font, paint);
            x += colWidth[c] + Gap;
        }
        float y = top;
        for (int r = 0; r < rows; r++)
        {
            canvas.DrawText(rowTitles[r], Margin, y + (rowHeight[r] / 2f) + (PanelTitleSize / 2f), SKTextAlign.Left, font, paint);
            x = x0;
            for (int c = 0; c < cols; c++)
            {
                if (c < cells[r].Count)
                {
                    var cell = cells[r][c];
                    using var bitmap = ToBitmap(cell.Rgb, cell.Width, cell.Height);
                    canvas.DrawBitmap(bitmap, x, y);
                }
                x += colWidth[c] + Gap;
            }
            y += rowHeight[r] + Gap;
        }
        if (legend.Count > 0)
        {
            DrawLegend(canvas, legend, legendLayout, Margin, y);
        }
        return Encode(surface);
    }

    private sealed record Panel(byte[] Rgb, int Width, int Height, double WidthMm, double HeightMm, string Title, string TopMark);

    private sealed record LegendLayout(int Columns, float ColumnWidth, float Height);

    private static byte[] Compose(string? title, List<Panel> panels, int panelHeight, IReadOnlyList<LegendEntry> legend)
    {
        using var titleFont = new SKFont(Typeface.Value, TitleSize);
        using var font = new SKFont(Typeface.Value, PanelTitleSize);
        var widths = panels.Select(p => Math.Max(font.MeasureText(p.Title) + 4, (float)Math.Round(p.WidthMm * panelHeight / p.HeightMm))).ToArray();
        var drawn = panels.Select(p => (float)Math.Round(p.WidthMm * panelHeight / p.HeightMm)).ToArray();
        float top = Margin + (title is null ? 0 : TitleSize + 8) + PanelTitleSize + 8;
        int width = (int)Math.Ceiling((2 * Margin) + widths.Sum() + (Gap * (panels.Count - 1)));
        var legendLayout = LayoutLegend(legend, width - (2 * Margin));
        if (legendLayout.Columns == 1 && legend.Count > 0)
        {
            width = Math.Max(width, (int)Math.Ceiling(legendLayout.ColumnWidth + (2 * Margin)));
        }
        int height = (int)Math.Ceiling(top + panelHeight + (legend.Count == 0 ? 0 : Gap + legendLayout.Height) + Margin);

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(Background);
        using var paint = new SKPaint { Color = Foreground, IsAntialias = true };
        using var marker = new SKPaint { Color = Marker, IsAntialias = true };
        if (title is not null)
        {
            canvas.DrawText(title, Margin, Margin + TitleSize, SKTextAlign.Left, titleFont, paint);
        }
        float x = Margin;
        var sampling = new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None);
        for (int i = 0; i < panels.Count; i++)
        {
            var p = panels[i];
            float left = x + ((widths[i] - drawn[i]) / 2);
            canvas.DrawText(p.Title, x, top - 8, SKTextAlign.Left, font, paint);
            using (var bitmap = ToBitmap(p.Rgb, p.Width, p.Height))
            using (var skImage = SKImage.FromBitmap(bitmap))
            {
                canvas.DrawImage(skImage, new SKRect(left, top, left + drawn[i], top + panelHeight), sampling);
            }
            // Orientation letters: patient right on the viewer's left.
            canvas.DrawText("R", left + 3, top + (panelHeight / 2f), SKTextAlign.Left, font, marker);
            canvas.DrawText("L", left + drawn[i] - 3, top + (panelHeight / 2f), SKTextAlign.Right, font, marker);
            canvas.DrawText(p.TopMark, left + (drawn[i] / 2), top + PanelTitleSize + 2, SKTextAlign.Center, font, marker);
            x += widths[i] + Gap;
        }
        if (legend.Count > 0)
        {
            DrawLegend(canvas, legend, legendLayout, Margin, top + panelHeight + Gap);
        }
        return Encode(surface);
    }

    private static LegendLayout LayoutLegend(IReadOnlyList<LegendEntry> legend, float available)
    {
        if (legend.Count == 0)
        {
            return new LegendLayout(1, 0, 0);
        }
        using var font = new SKFont(Typeface.Value, LegendSize);
        float column = legend.Max(e => font.MeasureText(e.Text)) + Swatch + 24;
        int columns = Math.Clamp((int)(available / column), 1, legend.Count);
        int rows = (legend.Count + columns - 1) / columns;
        return new LegendLayout(columns, column, rows * (LegendSize + 6));
    }

    private static void DrawLegend(SKCanvas canvas, IReadOnlyList<LegendEntry> legend, LegendLayout layout, float x0, float y0)
    {
        using var font = new SKFont(Typeface.Value, LegendSize);
        using var text = new SKPaint { Color = Foreground, IsAntialias = true };
        int rows = (legend.Count + layout.Columns - 1) / layout.Columns;
        for (int i = 0; i < legend.Count; i++)
        {
            int c = i / rows, r = i % rows;
            float x = x0 + (c * layout.ColumnWidth), y = y0 + (r * (LegendSize + 6));
            using var swatch = new SKPaint { Color = new SKColor(legend[i].R, legend[i].G, legend[i].B) };
            canvas.DrawRect(new SKRect(x, y + 1, x + Swatch, y + 1 + Swatch), swatch);
            canvas.DrawText(legend[i].Text, x + Swatch + 6, y + LegendSize, SKTextAlign.Left, font, text);
        }
    }

    /// <summary>Greyscale with the overlay for a panel; <paramref name="voxel"/> maps panel pixel (px, py) to a canonical voxel.</summary>
    private static byte[] Render(int w, int h, Func<int, int, (int X, int Y, int Z)> voxel, Volume<float> img, Volume<int>? lab, double lo, double hi, bool axial)
    {
        var rgb = new byte[3 * w * h];
        for (int py = 0; py < h; py++)
        {
            for (int px = 0; px < w; px++)
            {
                var (x, y, z) = voxel(px, py);
                double g = Math.Clamp((img[x, y, z] - lo) / (hi - lo), 0, 1) * 255;
                double cr = g, cg = g, cb = g;
                if (lab is not null && lab[x, y, z] is int v and not 0)
                {
                    var s = lab.Shape;
                    bool edge = axial
                        ? (x > 0 && lab[x - 1, y, z] != v) || (x < s.X - 1 && lab[x + 1, y, z] != v) || (y > 0 && lab[x, y - 1, z] != v) || (y < s.Y - 1 && lab[x, y + 1, z] != v)
                        : (x > 0 && lab[x - 1, y, z] != v) || (x < s.X - 1 && lab[x + 1, y, z] != v) || (z > 0 && lab[x, y, z - 1] != v) || (z < s.Z - 1 && lab[x, y, z + 1] != v);
                    var (R, G, B) = LabelOverlay.Colour(v);
                    double a = edge ? 0.9 : 0.45;
                    cr = ((1 - a) * cr) + (a * R);
                    cg = ((1 - a) * cg) + (a * G);
                    cb = ((1 - a) * cb) + (a * B);
                }
                int o = 3 * ((py * w) + px);
                rgb[o] = (byte)Math.Round(cr);
                rgb[o + 1] = (byte)Math.Round(cg);
                rgb[o + 2] = (byte)Math.Round(cb);
            }
        }
        return rgb;
    }

    /// <summary>Display window: 0 (or the 0.5th percentile when negative values exist) to the 99.5th percentile.</summary>
    private static (double Lo, double Hi) Window(float[] data)
    {
        var sorted = data.Where(float.IsFinite).ToArray();
        if (sorted.Length == 0)
        {
            return (0, 1);
        }
        Array.Sort(sorted);
        double lo = Math.Min(0, sorted[(int)Math.Round(0.005 * (sorted.Length - 1))]);
        double hi = sorted[(int)Math.Round(0.995 * (sorted.Length - 1))];
        return hi > lo ? (lo, hi) : (lo, lo + 1);
    }

    private static SKBitmap ToBitmap(byte[] rgb, int w, int h)
    {
        var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        int rowBytes = bitmap.RowBytes;
        var rgba = new byte[rowBytes * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = 3 * ((y * w) + x), o = (y * rowBytes) + (4 * x);
                rgba[o] = rgb[i];
                rgba[o + 1] = rgb[i + 1];
                rgba[o + 2] = rgb[i + 2];
                rgba[o + 3] = 255;
            }
        }
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    private static byte[] Encode(SKSurface surface)
    {
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static SKTypeface LoadTypeface()
    {
        foreach (string family in new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica" })
        {
            var t = SKTypeface.FromFamilyName(family);
            if (t is not null && t.GlyphCount > 0 && string.Equals(t.FamilyName, family, StringComparison.OrdinalIgnoreCase))
            {
                return t;
            }
            t?.Dispose();
        }
        // The fontconfig-free native library may not search the system: look for a TrueType file ourselves.
        string[] roots = ["/usr/share/fonts", "/usr/local/share/fonts", Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".fonts"),
            Environment.GetFolderPath(Environment.SpecialFolder.Fonts)];
        var files = roots.Where(r => !string.IsNullOrEmpty(r) && Directory.Exists(r))
            .SelectMany(r => Directory.EnumerateFiles(r, "*.ttf", SearchOption.AllDirectories))
            .OrderBy(f => Path.GetFileName(f) switch { "DejaVuSans.ttf" => 0, "LiberationSans-Regular.ttf" => 1, var n when n.Contains("Sans", StringComparison.Ordinal) => 2, _ => 3 })
            .ThenBy(f => f, StringComparer.Ordinal);
        foreach (string file in files)
        {
            var t = SKTypeface.FromFile(file);
            if (t is not null && t.GlyphCount > 0)
            {
                return t;
            }
            t?.Dispose();
        }
        throw new RenderingException($"No TrueType font found (searched {string.Join(", ", roots.Where(r => !string.IsNullOrEmpty(r)))}): install one, e.g. the Debian package fonts-dejavu-core.");
    }
}
