using Microsoft.ML;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using ThighSeg.Torch;

namespace ThighSeg.ML.Tests;

/// <summary>A row of the input data: paths of an image and its label map.</summary>
public sealed class VolumeRow
{
    public string ImagePath { get; set; } = "";

    public string LabelPath { get; set; } = "";
}

/// <summary>A few tiny phantom subjects (64 px, 6-8 slices) written as NIfTI once for the whole assembly, and tiny settings.</summary>
[SetUpFixture]
public sealed class TinyCohort
{
    public static string Root { get; private set; } = "";

    public static IReadOnlyList<VolumeRow> Rows { get; private set; } = [];

    public static readonly UNetOptions Network = new(baseFilters: 4, depth: 3);

    public static readonly PreprocessingOptions Preprocessing = new() { TargetSize = 32, TargetSpacingMm = 6 };

    public static FineTuneOptions FineTune(int epochs = 2) => new()
    {
        Network = Network,
        ValidationFraction = 0,
        Augmentation = new AugmentationOptions(elasticProbability: 0),
        Schedule = new TrainingSchedule { Epochs = epochs, StepsPerEpoch = 3, BatchSize = 8, LearningRate = 5e-3, MinLearningRate = 1e-4, LogInterval = 2 },
    };

    public static SegmentationEstimator.Options SegmentationOptions(string outputDirectory, int? seed = 11) => new()
    {
        FineTune = FineTune(),
        Preprocessing = Preprocessing,
        OutputDirectory = outputDirectory,
        Seed = seed,
        Device = ComputeDevice.Cpu,
    };

    [OneTimeSetUp]
    public void Create()
    {
        TorchBackend.Initialize();
        Root = Path.Combine(Path.GetTempPath(), "thighseg-ml-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        var generator = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = 64, MinSlices = 6, MaxSlices = 8 });
        var rows = new List<VolumeRow>();
        for (int i = 0; i < 3; i++)
        {
            var s = generator.GenerateCohortMember(cohortSeed: 4, index: i);
            var row = new VolumeRow
            {
                ImagePath = Path.Combine(Root, "images", s.SubjectId + ".nii.gz"),
                LabelPath = Path.Combine(Root, "labels", s.SubjectId + ".nii.gz"),
            };
            Directory.CreateDirectory(Path.GetDirectoryName(row.ImagePath)!);
            Directory.CreateDirectory(Path.GetDirectoryName(row.LabelPath)!);
            VolumeFormats.Default.WriteImage(row.ImagePath, s.Image);
            VolumeFormats.Default.WriteLabels(row.LabelPath, s.Labels, ThighPhantomGenerator.LabelMap.Names);
            rows.Add(row);
        }
        Rows = rows;
    }

    [OneTimeTearDown]
    public void Delete()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    public static string NewFolder(string name)
    {
        string d = Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    public static IDataView Data(MLContext ml) => ml.Data.LoadFromEnumerable(Rows);
}
