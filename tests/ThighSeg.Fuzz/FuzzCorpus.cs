using System.Text;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;
using ThighSeg.IO.Tests.Dicom;

namespace ThighSeg.Fuzz;

/// <summary>
/// The seed files the mutations start from: nibabel's and pydicom's test files, found at run time in the installed
/// Debian packages (<c>python3-nibabel</c>, <c>python3-pydicom</c>), plus small generated NIfTI files with a label
/// extension, synthetic DICOM slices and series in four transfer syntaxes, labels.json files, dataset manifests and
/// model manifests.
/// </summary>
internal sealed class FuzzCorpus
{
    /// <summary>Where Debian's python3-nibabel keeps its test data.</summary>
    public const string NibabelData = "/usr/lib/python3/dist-packages/nibabel/tests/data";

    /// <summary>Where Debian's python3-pydicom keeps its test files.</summary>
    public const string PydicomData = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

    private const long MaxSeedBytes = 4 << 20;
    private static readonly double[] Axial = [1, 0, 0, 0, 1, 0];

    private readonly Dictionary<FuzzTarget, List<(string Name, byte[] Bytes)>> _seeds = [];

    /// <summary>Synthetic DICOM series (three slices each; the fuzzer mutates slice 0 and keeps slices 1 and 2).</summary>
    public IReadOnlyList<byte[][]> Series { get; }

    /// <summary>How many seeds came from the installed third-party test files.</summary>
    public int ThirdPartyFiles { get; }

    private FuzzCorpus(IReadOnlyList<byte[][]> series, int thirdParty)
    {
        Series = series;
        ThirdPartyFiles = thirdParty;
    }

    /// <summary>The seeds of <paramref name="target"/>.</summary>
    public IReadOnlyList<(string Name, byte[] Bytes)> SeedsOf(FuzzTarget target) => _seeds[target];

    /// <summary>Finds the third-party files and generates the rest.</summary>
    public static FuzzCorpus Load()
    {
        var nifti = new List<(string, byte[])>();
        var dicom = new List<(string, byte[])>();
        if (Directory.Exists(NibabelData))
        {
            foreach (string f in Directory.EnumerateFiles(NibabelData).Order(StringComparer.Ordinal))
            {
                string n = Path.GetFileName(f);
                if (new FileInfo(f).Length > MaxSeedBytes)
                {
                    continue;
                }
                if (n.EndsWith(".nii", StringComparison.Ordinal) || n.EndsWith(".nii.gz", StringComparison.Ordinal))
                {
                    nifti.Add(("nibabel/" + n, File.ReadAllBytes(f)));
                }
                else if (n.EndsWith(".dcm", StringComparison.Ordinal))
                {
                    dicom.Add(("nibabel/" + n, File.ReadAllBytes(f)));
                }
            }
        }
        if (Directory.Exists(PydicomData))
        {
            foreach (string f in Directory.EnumerateFiles(PydicomData, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var info = new FileInfo(f);
                if (info.Length < 8 || info.Length > MaxSeedBytes || info.LinkTarget is not null)
                {
                    continue;
                }
                byte[] b = File.ReadAllBytes(f);
                bool dicm = b.Length > 132 && b[128] == 'D' && b[129] == 'I' && b[130] == 'C' && b[131] == 'M';
                if (dicm || f.EndsWith(".dcm", StringComparison.OrdinalIgnoreCase))
                {
                    dicom.Add(("pydicom/" + Path.GetRelativePath(PydicomData, f), b));
                }
            }
        }
        int thirdParty = nifti.Count + dicom.Count;
        nifti.AddRange(GeneratedNifti());
        var series = new List<byte[][]>();
        foreach (var syntax in Enum.GetValues<TestSyntax>())
        {
            var slices = new byte[3][];
            for (int z = 0; z < 3; z++)
            {
                short[] pixels = Enumerable.Range(0, 48).Select(v => (short)((v * 37 + z * 11) % 1000)).ToArray();
                slices[z] = DicomTestWriter.MrSlice(6, 8, [0, 0, z * 2.5], Axial, [0.9, 1.1], pixels, instance: z + 1, slope: 2, intercept: -5)
                    .Text(0x00180050, "DS", "2.5").ToBytes(syntax);
            }
            series.Add(slices);
            dicom.Add(($"synthetic/{syntax}.dcm", slices[0]));
        }
        var corpus = new FuzzCorpus(series, thirdParty);
        corpus._seeds[FuzzTarget.Nifti] = nifti;
        corpus._seeds[FuzzTarget.DicomFile] = dicom;
        corpus._seeds[FuzzTarget.DicomSeries] = series.Select((s, i) => ($"series/{(TestSyntax)i}", s[0])).ToList();
        corpus._seeds[FuzzTarget.Labels] = Texts("labels",
            "{\"0\": \"background\", \"1\": \"vastus lateralis\", \"2\": \"vastus medialis\", \"11\": \"sartorius\"}\n",
            "{\n  \"0\": \"background\",\n  \"7101\": \"VL left\",\n  \"7201\": \"VL right\",\n  \"3\": \"semimembranosus \\u00e9\"\n}\n",
            "{\"1\": \"a\"}");
        corpus._seeds[FuzzTarget.DatasetManifest] = Texts("manifest",
            "subject,image,label,split\nsub-001,images/sub-001.nii.gz,labels/sub-001.nii.gz,train\nsub-002,images/sub-002.nii.gz,,unlabeled\nsub-003,images/sub-003.nii.gz,labels/sub-003.nii.gz,test\n",
            "subject,image,label,split\r\n\"sub,1\",\"images/a b.nii\",\"labels/\"\"q\"\".nii\",train\r\nsub-2,/abs/img.nii.gz,,unlabeled\r\n",
            "\uFEFFsubject,image,label,split\nx,x.nii,x-l.nii,test\n");
        corpus._seeds[FuzzTarget.ModelManifest] = Texts("model", ModelManifest("segmentation", 8, 4, 64, 3.0, labels: true), ModelManifest("encoder", 4, 3, 32, 6.0, labels: false));
        return corpus;
    }

    private static List<(string, byte[])> Texts(string prefix, params string[] texts) =>
        texts.Select((t, i) => ($"generated/{prefix}-{i}", Encoding.UTF8.GetBytes(t))).ToList();

    private static string ModelManifest(string kind, int filters, int depth, int size, double spacing, bool labels) =>
        $$"""
        {
          "formatVersion": 1,
          "kind": "{{kind}}",
          "network": { "architecture": "unet2d", "baseFilters": {{filters}}, "depth": {{depth}}, "norm": "batch", "inChannels": 1 },
          {{(labels ? "\"labels\": [ { \"classIndex\": 0, \"value\": 0, \"name\": \"background\" }, { \"classIndex\": 1, \"value\": 1, \"name\": \"vastus lateralis\" }, { \"classIndex\": 2, \"value\": 7, \"name\": \"gracilis\" } ]," : "\"embeddingDim\": 16,")}}
          "preprocessing": { "TargetSize": {{size}}, "TargetSpacingMm": {{spacing.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "SplitThighs": true, "LowerPercentile": 0.5, "UpperPercentile": 99.5, "BodyThreshold": 0.1 },
          "training": { "method": "finetune-from-random", "seed": 0, "epochs": 2, "steps": 10, "subjects": [ "sub-001" ], "options": null, "device": "cpu", "createdUtc": "2026-12-02T10:00:00Z", "initialisation": null, "thighSegVersion": "0.1.0" },
          "weights": "model.bin",
          "weightsSha256": "0000000000000000000000000000000000000000000000000000000000000000"
        }
        """;

    private static IEnumerable<(string, byte[])> GeneratedNifti()
    {
        string dir = Path.Combine(Path.GetTempPath(), "thighseg-fuzz-corpus-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var labels = new Volume<int>(new VolumeShape(5, 4, 3), Affine.FromSpacing(0.8, 0.8, 3));
            for (int i = 0; i < labels.Data.Length; i++)
            {
                labels.Data[i] = i % 4;
            }
            var image = new Volume<float>(new VolumeShape(6, 5, 4), Affine.FromSpacing(1.2, 1.2, 2.5));
            for (int i = 0; i < image.Data.Length; i++)
            {
                image.Data[i] = (i * 7919) % 1013 - 200.5f;
            }
            var names = new Dictionary<int, string> { [1] = "vastus lateralis", [2] = "vastus medialis", [3] = "sartorius" };
            var writer = new NiftiWriter();
            var result = new List<(string, byte[])>();
            foreach (string name in new[] { "labels.nii", "labels.nii.gz" })
            {
                string p = Path.Combine(dir, name);
                writer.WriteLabels(p, labels, names);
                result.Add(("generated/" + name, File.ReadAllBytes(p)));
            }
            foreach (string name in new[] { "image.nii", "image.nii.gz" })
            {
                string p = Path.Combine(dir, name);
                writer.WriteImage(p, image);
                result.Add(("generated/" + name, File.ReadAllBytes(p)));
            }
            return result;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
