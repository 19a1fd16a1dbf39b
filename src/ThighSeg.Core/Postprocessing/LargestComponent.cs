using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Postprocessing;

/// <summary>
/// Per-label connected-component clean-up of a label map: for each label value, only the largest 3D connected
/// component (6-connectivity by default, 26 optionally) is kept; the voxels of smaller components become background (0).
/// </summary>
/// <remarks>
/// Two thighs carry the same label values, so <see cref="KeepLargest(Volume{int}, int, bool)"/> can keep the
/// largest <c>componentsPerLabel</c> components (2 for a bilateral scan). Linear time (one union-find pass); thread-safe
/// (no shared state). The input is not modified.
/// </remarks>
public static class LargestComponent
{
    /// <summary>Returns a copy of <paramref name="labels"/> keeping, for each non-zero label, its <paramref name="componentsPerLabel"/> largest components.</summary>
    /// <param name="labels">The label map.</param>
    /// <param name="componentsPerLabel">How many components to keep per label (1 for one thigh, 2 for both).</param>
    /// <param name="fullConnectivity">26-connectivity instead of 6.</param>
    public static Volume<int> KeepLargest(Volume<int> labels, int componentsPerLabel = 1, bool fullConnectivity = false)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(componentsPerLabel, 1);
        var s = labels.Shape;
        int[] data = labels.Data;
        int n = data.Length;
        var parent = new int[n];
        for (int i = 0; i < n; i++)
        {
            parent[i] = i;
        }

        int Find(int i)
        {
            while (parent[i] != i)
            {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            return i;
        }

        void Union(int a, int b)
        {
            int ra = Find(a), rb = Find(b);
            if (ra != rb)
            {
                if (ra < rb)
                {
                    parent[rb] = ra;
                }
                else
                {
                    parent[ra] = rb;
                }
            }
        }

        // Union each voxel with its already-visited ("backward") neighbours of the same label.
        var offsets = BackwardNeighbours(fullConnectivity);
        for (int z = 0; z < s.Z; z++)
        {
            for (int y = 0; y < s.Y; y++)
            {
                for (int x = 0; x < s.X; x++)
                {
                    int i = s.Index(x, y, z);
                    int v = data[i];
                    if (v == 0)
                    {
                        continue;
                    }
                    foreach (var (dx, dy, dz) in offsets)
                    {
                        int nx = x + dx, ny = y + dy, nz = z + dz;
                        if (nx < 0 || ny < 0 || nz < 0 || nx >= s.X || ny >= s.Y)
                        {
                            continue;
                        }
                        int j = s.Index(nx, ny, nz);
                        if (data[j] == v)
                        {
                            Union(i, j);
                        }
                    }
                }
            }
        }

        var size = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            if (data[i] != 0)
            {
                int r = Find(i);
                size[r] = size.TryGetValue(r, out int c) ? c + 1 : 1;
            }
        }
        // For each label, the roots of its largest components (ties broken by lowest root index: deterministic).
        var keep = size.Keys
            .GroupBy(r => data[r])
            .SelectMany(g => g.OrderByDescending(r => size[r]).ThenBy(r => r).Take(componentsPerLabel))
            .ToHashSet();
        var result = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (data[i] != 0 && keep.Contains(Find(i)))
            {
                result[i] = data[i];
            }
        }
        return labels.WithData(result);
    }

    private static (int, int, int)[] BackwardNeighbours(bool full)
    {
        if (!full)
        {
            return [(-1, 0, 0), (0, -1, 0), (0, 0, -1)];
        }
        var list = new List<(int, int, int)>();
        for (int dz = -1; dz <= 0; dz++)
        {
            for (int dy = -1; dy <= 1; dy++)
            {
                for (int dx = -1; dx <= 1; dx++)
                {
                    bool backward = dz < 0 || (dz == 0 && (dy < 0 || (dy == 0 && dx < 0)));
                    if (backward)
                    {
                        list.Add((dx, dy, dz));
                    }
                }
            }
        }
        return [.. list];
    }
}
