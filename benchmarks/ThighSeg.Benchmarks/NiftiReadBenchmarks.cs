using BenchmarkDotNet.Attributes;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;

namespace ThighSeg.Benchmarks;

/// <summary>
/// Reading a 512x512x200 int16 NIfTI (.nii.gz and .nii) into float32 voxels with RAS geometry. The files are
/// generated once, deterministically, in GlobalSetup (a smooth phantom: body ellipse, two thigh-like discs with
/// muscle/fat texture, and mild deterministic noise, so gzip sees image-like content). The nibabel peer
/// (benchmarks/peer/nibabel_read.py) reads the same .nii.gz file, whose path is printed during setup.
/// </summary>
public class NiftiReadBenchmarks
{
    private readonly NiftiReader _reader = new();

    /// <summary>Where the benchmark files live (shared with the nibabel peer script).</summary>
    public static string Folder { get; } = Path.Combine(Path.GetTempPath(), "thighseg-bench");

    /// <summary>The 512x512x200 int16 .nii.gz file.</summary>
    public static string GzPath => Path.Combine(Folder, $"phantom_{Dims}_int16.nii.gz");

    /// <summary>512x512x200, or 64x64x16 in smoke mode (<see cref="BenchmarkHost.IsSmoke"/>).</summary>
    private static (int X, int Y, int Z) Size => BenchmarkHost.IsSmoke ? (64, 64, 16) : (512, 512, 200);

    private static string Dims => $"{Size.X}x{Size.Y}x{Size.Z}";

    /// <summary>The same data uncompressed.</summary>
    public static string NiiPath => Path.Combine(Folder, $"phantom_{Dims}_int16.nii");

    [GlobalSetup]
    public void Setup()
    {
        EnsureFiles();
        Console.WriteLine($"// NIfTI benchmark file: {GzPath} ({new FileInfo(GzPath).Length / 1e6:F1} MB)");
    }

    /// <summary>Writes the benchmark files unless they already exist with the expected content size.</summary>
    public static void EnsureFiles()
    {
        Directory.CreateDirectory(Folder);
        if (File.Exists(GzPath) && File.Exists(NiiPath))
        {
            return;
        }
        var labels = Phantom(Size.X, Size.Y, Size.Z);
        // Values span -50..1500, so the writer stores int16 (WriteLabels picks the smallest integer type).
        new NiftiWriter().WriteLabels(GzPath, labels);
        new NiftiWriter().WriteLabels(NiiPath, labels);
    }

    /// <summary>A deterministic image-like int16-range volume.</summary>
    public static Volume<int> Phantom(int nx, int ny, int nz)
    {
        var v = new Volume<int>(new VolumeShape(nx, ny, nz), Affine.FromSpacing(-0.78125, 0.78125, 2.0, 200, -200, -200));
        uint state = 12345;
        double[] centres = [nx * 0.3, nx * 0.7];
        for (int z = 0; z < nz; z++)
        {
            double taper = 1 - (0.3 * z / nz);
            for (int y = 0; y < ny; y++)
            {
                for (int x = 0; x < nx; x++)
                {
                    double bx = (x - (nx / 2.0)) / (nx * 0.45), by = (y - (ny / 2.0)) / (ny * 0.3);
                    double value = 0;
                    if ((bx * bx) + (by * by) < 1)
                    {
                        value = 300; // subcutaneous fat-ish background of the body
                        foreach (double cx in centres)
                        {
                            double dx = (x - cx) / (nx * 0.17 * taper), dy = (y - (ny / 2.0)) / (ny * 0.2 * taper);
                            double r2 = (dx * dx) + (dy * dy);
                            if (r2 < 1)
                            {
                                // muscle with smooth striation, bone in the middle
                                value = r2 < 0.04 ? 1400 : 600 + (120 * Math.Sin((x * 0.21) + (y * 0.13) + (z * 0.05)));
                            }
                        }
                    }
                    state = (state * 1664525) + 1013904223;
                    int noise = (int)(state >> 27) - 16; // -16..15
                    v[x, y, z] = (int)value + noise;
                }
            }
        }
        return v;
    }

    [Benchmark(Baseline = true, Description = "ThighSeg NiftiReader .nii.gz (512x512x200 int16)")]
    public float ReadGz()
    {
        var loaded = _reader.Read(GzPath);
        return loaded.Image.Data[loaded.Image.Data.Length / 2];
    }

    [Benchmark(Description = "ThighSeg NiftiReader .nii (512x512x200 int16)")]
    public float ReadNii()
    {
        var loaded = _reader.Read(NiiPath);
        return loaded.Image.Data[loaded.Image.Data.Length / 2];
    }
}
