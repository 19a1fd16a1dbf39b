using ThighSeg.Core.Data;

namespace ThighSeg.Torch.Tests;

/// <summary>Tiny synthetic labelled stacks: a disc (label 7101) and a bar (label 7201) whose size and place change along z.</summary>
internal static class Synthetic
{
    public static SliceStack Stack(string subject, int size = 32, int depth = 8, int seed = 0, bool labelled = true)
    {
        var rng = new Random(seed);
        var image = new float[size * size * depth];
        var labels = new int[image.Length];
        double jitter = (rng.NextDouble() - 0.5) * 0.1 * size;
        for (int k = 0; k < depth; k++)
        {
            double p = (k + 1.0) / depth;
            double cx = (size * 0.4) + jitter, cy = size * 0.5, r = size * (0.12 + (0.15 * p));
            int barTop = (int)(size * 0.2), barLeft = (int)(size * (0.65 - (0.15 * p))), barWidth = (int)(size * 0.12), barHeight = (int)(size * 0.6 * (1.1 - p));
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    int i = (k * size * size) + (y * size) + x;
                    int label = 0;
                    if ((x - cx) * (x - cx) + ((y - cy) * (y - cy)) < r * r)
                    {
                        label = 7101;
                    }
                    else if (x >= barLeft && x < barLeft + barWidth && y >= barTop && y < barTop + barHeight)
                    {
                        label = 7201;
                    }
                    labels[i] = label;
                    float baseIntensity = label switch { 7101 => 1.0f, 7201 => -1.0f, _ => 0.0f };
                    image[i] = baseIntensity + (float)((rng.NextDouble() - 0.5) * 0.3);
                }
            }
        }
        return new SliceStack(subject, "left", size, size, depth, image, labelled ? labels : null, Axial(depth));
    }

    /// <summary>Scanner z of <paramref name="depth"/> slices 5 mm apart, as a prepared stack records it (PCL's default positions).</summary>
    public static double[] Axial(int depth) => [.. Enumerable.Range(0, depth).Select(k => 5.0 * k)];

    public static IReadOnlyList<SliceStack> Cohort(int subjects, int size = 32, int depth = 8, int seed = 0, bool labelled = true) =>
        Enumerable.Range(0, subjects).Select(i => Stack($"s{i:D2}", size, depth, seed * 1000 + i, labelled)).ToList();
}
