using System.Globalization;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Data;

/// <summary>Helpers for <see cref="IVolumeSource"/> and for turning loaded float volumes into label maps.</summary>
public static class VolumeSource
{
    /// <summary>Wraps a delegate as a volume source.</summary>
    public static IVolumeSource FromDelegate(Func<string, Volume<float>> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        return new DelegateSource(load);
    }

    /// <summary>Converts a loaded volume to integer labels.</summary>
    /// <param name="volume">Voxel values as read (label files store integers; any float type is accepted if integral).</param>
    /// <param name="source">The file, for error messages.</param>
    /// <exception cref="DatasetException">A value is negative, not an integer or out of the int range.</exception>
    public static Volume<int> ToLabels(Volume<float> volume, string source)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var data = new int[volume.Data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            float v = volume.Data[i];
            if (!(v >= 0) || v > int.MaxValue || v != MathF.Round(v))
            {
                var s = volume.Shape;
                int x = i % s.X, y = i / s.X % s.Y, z = i / s.SliceSize;
                throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                    $"Label volume '{source}' has value {v} at voxel ({x}, {y}, {z}); labels must be non-negative integers."));
            }
            data[i] = (int)v;
        }
        return volume.WithData(data);
    }

    private sealed class DelegateSource(Func<string, Volume<float>> load) : IVolumeSource
    {
        public Volume<float> Load(string path) => load(path);
    }
}
