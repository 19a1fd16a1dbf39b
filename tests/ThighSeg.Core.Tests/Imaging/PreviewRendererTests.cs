using SkiaSharp;
using ThighSeg.Core.Imaging;
using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Quantification;

namespace ThighSeg.Core.Tests.Imaging;

public class PreviewRendererTests
{
    /// <summary>Where the figures go; set THIGHSEG_PREVIEW_DIR to keep them for a look.</summary>
    private static string OutputDirectory => Environment.GetEnvironmentVariable("THIGHSEG_PREVIEW_DIR") is { Length: > 0 } d ? d : Path.GetTempPath();

    [Test]
    public void SkiaSharpNativeLibrary_Loads_AndAFontIsFound()
    {
        using var bitmap = new SKBitmap(4, 4);
        Assert.That(bitmap.Width, Is.EqualTo(4));
        Assert.That(PreviewRenderer.FontFamily, Is.Not.Empty);
    }

    [Test]
    public void CasePreview_HasAxialAndCoronalPanels_AndALegendWithTheMuscleNames()
    {
        var s = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = 128, MinSlices = 30, MaxSlices = 30, Noise = false }).Generate("sub-qc", 77);
        var sided = SideLabels.Split(s.Labels, ThighPhantomGenerator.LabelMap);
        byte[] png = PreviewRenderer.CasePreview(s.Image, sided.Labels, sided.LabelMap, new PreviewOptions { Title = "sub-qc: phantom labels" });
        File.WriteAllBytes(Path.Combine(OutputDirectory, "thighseg-case-preview.png"), png);
        using var decoded = SKBitmap.Decode(png);
        Assert.That(decoded, Is.Not.Null);
        Assert.That(decoded.Height, Is.GreaterThan(256 + 40));
        var legend = PreviewRenderer.Legend(sided.LabelMap, sided.Labels.Data);
        Assert.That(legend.Select(e => e.Text), Is.EquivalentTo(ThighPhantomGenerator.LabelMap.Values.Where(v => v != 0 && s.Labels.Data.Contains(v)).Select(ThighPhantomGenerator.LabelMap.Name)));
        // The legend's swatches are drawn in the label colours below the panels.
        var (r, g, b) = LabelOverlay.Colour(1);
        bool found = false;
        for (int y = 256 + 40; y < decoded.Height && !found; y++)
        {
            for (int x = 0; x < 40 && !found; x++)
            {
                var c = decoded.GetPixel(x, y);
                found = c.Red == r && c.Green == g && c.Blue == b;
            }
        }
        Assert.That(found, Is.True, "no legend swatch of label 1");
    }

    [Test]
    public void Grid_DrawsTitledCells_AndRejectsMismatchedTitles()
    {
        var s = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = 64, MinSlices = 12, MaxSlices = 12, Noise = false }).Generate("g", 5);
        var one = LabelOverlay.Montage(s.Image, s.Labels, [0.3, 0.7], 2);
        var cells = new List<IReadOnlyList<LabelOverlay.RgbImage>> { new[] { one, one }, new[] { one } };
        var legend = PreviewRenderer.Legend(ThighPhantomGenerator.LabelMap, s.Labels.Data);
        byte[] png = PreviewRenderer.Grid("Experiment montage", ["reference", "PCL"], ["sub-001", "sub-002"], cells, legend);
        File.WriteAllBytes(Path.Combine(OutputDirectory, "thighseg-grid.png"), png);
        using var decoded = SKBitmap.Decode(png);
        Assert.That(decoded.Width, Is.GreaterThan(2 * one.Width));
        Assert.That(decoded.Height, Is.GreaterThan(2 * one.Height));
        Assert.That(() => PreviewRenderer.Grid(null, ["a"], ["r1", "r2"], cells, legend), Throws.ArgumentException.With.Message.Contains("column titles"));
    }
}
