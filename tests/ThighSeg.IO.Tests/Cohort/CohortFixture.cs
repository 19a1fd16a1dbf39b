using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Cohort;
using ThighSeg.IO.Tests.Dicom;

namespace ThighSeg.IO.Tests.Cohort;

/// <summary>Small NIfTI files and DICOM series for cohort-job tests, and a deterministic threshold segmenter.</summary>
internal static class CohortFixture
{
    public static LabelMap Classes { get; } = LabelMap.FromNames([KeyValuePair.Create(0, "background"), KeyValuePair.Create(1, "muscle"), KeyValuePair.Create(2, "fat")]);

    /// <summary>A 6x5x4 image whose values depend on <paramref name="seed"/>.</summary>
    public static Volume<float> Image(int seed)
    {
        var shape = new VolumeShape(6, 5, 4);
        var data = new float[shape.VoxelCount];
        var rng = new Random(seed);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = rng.Next(0, 100);
        }
        return new Volume<float>(shape, Affine.FromSpacing(2, 2, 3), data);
    }

    public static string WriteNifti(string path, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        VolumeFormats.Default.WriteImage(path, Image(seed));
        return path;
    }

    /// <summary>A 3-slice 4x4 DICOM series in <paramref name="folder"/>.</summary>
    public static string DicomSeries(string folder, string uid, int seed, string prefix = "im")
    {
        Directory.CreateDirectory(folder);
        var rng = new Random(seed);
        for (int z = 0; z < 3; z++)
        {
            var pixels = Enumerable.Range(0, 16).Select(_ => (short)rng.Next(0, 100)).ToArray();
            var slice = DicomTestWriter.MrSlice(4, 4, [0, 0, z * 2.0], [1, 0, 0, 0, 1, 0], [1, 1], pixels, seriesUid: uid, instance: z + 1);
            File.WriteAllBytes(Path.Combine(folder, $"{prefix}{z}.dcm"), slice.ToBytes());
        }
        return folder;
    }

    /// <summary>Labels: 0 below 33, 1 below 66, else 2 (deterministic, per voxel).</summary>
    public static Volume<int> Segment(Volume<float> image, string caseId)
    {
        _ = caseId;
        var labels = new int[image.Data.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = image.Data[i] < 33 ? 0 : image.Data[i] < 66 ? 1 : 2;
        }
        return new Volume<int>(image.Shape, image.Affine, labels);
    }

    public static CohortPredictionJob Job(string outDir, string model = "model-a", bool overwrite = false, ShardSpec? shard = null) =>
        new(VolumeFormats.Default, new CohortOutput(outDir), new CohortJobOptions
        {
            ModelFingerprint = model,
            Settings = "tta=false",
            Overwrite = overwrite,
            Shard = shard ?? ShardSpec.All,
        });

    public static CohortSummary Predict(string input, string outDir, string model = "model-a", bool overwrite = false, ShardSpec? shard = null, VolumeReadOptions? read = null) =>
        Job(outDir, model, overwrite, shard).Run(CohortCases.Discover(input, read ?? VolumeReadOptions.Default, outDir), Segment, Classes);

    /// <summary>Every file under <paramref name="dir"/> (relative path to bytes), except the record timestamps' files.</summary>
    public static SortedDictionary<string, byte[]> Files(string dir, Func<string, bool>? include = null) =>
        new(Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f))
            .Where(f => include?.Invoke(f) ?? true)
            .ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(dir, f))), StringComparer.Ordinal);
}
