using ThighSeg.Core.Metrics;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Preprocessing;

public class ProbabilityRestoreTests
{
    private const int N = 96;

    /// <summary>A 96x96x2 volume at 1 mm (RAS+, so canonical = original): a 64 mm body square (label 1) crossed by an
    /// oblique band 5 mm wide (label 2), thinner than two pixels of a 4 mm grid.</summary>
    private static (Volume<float> Image, Volume<int> Labels) ThinBand()
    {
        var affine = Affine.FromSpacing(1, 1, 5);
        var shape = new VolumeShape(N, N, 2);
        var image = new Volume<float>(shape, affine);
        var labels = new Volume<int>(shape, affine);
        for (int k = 0; k < 2; k++)
        {
            for (int y = 16; y < 80; y++)
            {
                for (int x = 16; x < 80; x++)
                {
                    image[x, y, k] = 100;
                    double d = Math.Abs(x - 30 - (0.37 * y));
                    labels[x, y, k] = d < 2.5 ? 2 : 1;
                }
            }
        }
        return (image, labels);
    }

    /// <summary>Ideal network output: each class's share of the original voxels under a network pixel's footprint.</summary>
    private static float[][] AreaProbabilities(PreparedSubject p, Volume<int> labels, int classes)
    {
        var g = p.Geometry[0];
        int n = p.Stacks[0].Width, depth = p.Stacks[0].Depth;
        var maps = Enumerable.Range(0, classes).Select(_ => new float[n * n * depth]).ToArray();
        for (int k = 0; k < depth; k++)
        {
            for (int r = 0; r < n; r++)
            {
                for (int c = 0; c < n; c++)
                {
                    double cx = g.X0 + (g.DirX * c * g.StepX), cy = g.Y0 + (r * g.StepY);
                    var counts = new int[classes];
                    int total = 0;
                    for (int y = (int)Math.Ceiling(cy - (g.StepY / 2)); y < cy + (g.StepY / 2); y++)
                    {
                        for (int x = (int)Math.Ceiling(cx - (g.StepX / 2)); x < cx + (g.StepX / 2); x++)
                        {
                            counts[x >= 0 && y >= 0 && x < N && y < N ? labels[x, y, k] : 0]++;
                            total++;
                        }
                    }
                    for (int j = 0; j < classes; j++)
                    {
                        maps[j][(k * n * n) + (r * n) + c] = (float)counts[j] / total;
                    }
                }
            }
        }
        return maps;
    }

    private static int[] Argmax(float[][] maps)
    {
        var result = new int[maps[0].Length];
        for (int i = 0; i < result.Length; i++)
        {
            int best = 0;
            for (int j = 1; j < maps.Length; j++)
            {
                best = maps[j][i] > maps[best][i] ? j : best;
            }
            result[i] = best;
        }
        return result;
    }

    private static double Dice(Volume<int> a, Volume<int> b, int label)
    {
        long both = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Data.Length; i++)
        {
            bool pa = a.Data[i] == label, pb = b.Data[i] == label;
            both += pa && pb ? 1 : 0;
            na += pa ? 1 : 0;
            nb += pb ? 1 : 0;
        }
        return DiceMetric.FromCounts(both, na, nb);
    }

    [Test]
    public void ThinStructure_RestoredFromACoarseGrid_KeepsMoreDiceThroughProbabilities_ThanNearestNeighbour()
    {
        var (image, labels) = ThinBand();
        var prepared = new Preprocessor(new PreprocessingOptions { TargetSpacingMm = 4, TargetSize = 24, SplitThighs = false }).Prepare(image, labels, "band");
        var probabilities = AreaProbabilities(prepared, labels, 3);
        int[] coarse = Argmax(probabilities);
        var nearest = Preprocessor.Restore(prepared, [coarse]);
        var resolutionAware = Preprocessor.RestoreFromProbabilities(prepared, [coarse], [probabilities], [0, 1, 2]);
        double dNearest = Dice(nearest, labels, 2), dAware = Dice(resolutionAware, labels, 2);
        TestContext.Out.WriteLine($"thin band Dice: nearest {dNearest:F3}, probabilities {dAware:F3}");
        Assert.That(resolutionAware.SameGeometry(labels), Is.True);
        Assert.That(dAware, Is.GreaterThan(dNearest + 0.05));
    }

    [Test]
    public void CoincidingGrids_CopyTheNetworkLabelsExactly()
    {
        var (image, labels) = ThinBand();
        var prepared = new Preprocessor(new PreprocessingOptions { TargetSpacingMm = 1, TargetSize = N, SplitThighs = false }).Prepare(image, labels, "band");
        // Probabilities that argmax to background everywhere: the exact path must not consult them.
        var flat = Enumerable.Range(0, 3).Select(j => Enumerable.Repeat(j == 0 ? 0.5f : 0.25f, prepared.Stacks[0].Image.Length).ToArray()).ToArray();
        var restored = Preprocessor.RestoreFromProbabilities(prepared, [prepared.Stacks[0].Labels!], [flat], [0, 1, 2]);
        Assert.That(restored.Data, Is.EqualTo(labels.Data));
    }

    [Test]
    public void RestoreFromProbabilities_RejectsMismatchedClassCounts()
    {
        var (image, labels) = ThinBand();
        var prepared = new Preprocessor(new PreprocessingOptions { TargetSpacingMm = 4, TargetSize = 24, SplitThighs = false }).Prepare(image, labels, "band");
        var maps = AreaProbabilities(prepared, labels, 3);
        var ex = Assert.Throws<ArgumentException>(() => Preprocessor.RestoreFromProbabilities(prepared, [Argmax(maps)], [maps[..2]], [0, 1, 2]));
        Assert.That(ex!.ParamName, Is.EqualTo("stackProbabilities"));
    }
}
