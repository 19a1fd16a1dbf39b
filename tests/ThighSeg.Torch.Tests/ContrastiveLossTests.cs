using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ThighSeg.Torch.Losses;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Tests;

public class ContrastiveLossTests
{
    /// <summary>Fixed inputs: 2N embeddings by formula, slice positions (k+1)/K from several volumes.</summary>
    private sealed record Case(string Name, int Dim, (int K, int Depth)[] Slices, double Threshold, double Temperature, double BaseTemperature, int Partitions, double Scale, double Sigma = 0.1)
    {
        public int N => Slices.Length;

        public float[,] Embeddings()
        {
            var z = new float[2 * N, Dim];
            for (int i = 0; i < 2 * N; i++)
            {
                int slice = i % N, view = i / N;
                for (int d = 0; d < Dim; d++)
                {
                    // views of one slice are similar; nearby slices correlate.
                    z[i, d] = (float)(Scale * (Math.Sin((0.9 * Slices[slice].K / Slices[slice].Depth * 6) + (1.3 * d)) + (0.3 * Math.Cos((2.1 * slice) + d + (0.7 * view)))));
                }
            }
            return z;
        }

        public double[] Positions() => Slices.Select(s => (s.K + 1.0) / s.Depth).ToArray();

        public JsonObject ToJson()
        {
            var z = Embeddings();
            var rows = new JsonArray();
            for (int i = 0; i < z.GetLength(0); i++)
            {
                rows.Add(new JsonArray(Enumerable.Range(0, Dim).Select(d => (JsonNode?)JsonValue.Create((double)z[i, d])).ToArray()));
            }
            return new JsonObject
            {
                ["name"] = Name,
                ["embeddings"] = rows,
                ["positions"] = new JsonArray(Positions().Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
                ["threshold"] = Threshold,
                ["temperature"] = Temperature,
                ["base_temperature"] = BaseTemperature,
                ["partitions"] = Partitions,
                ["sigma"] = Sigma,
            };
        }
    }

    private static readonly Case[] Cases =
    [
        new("small", 5, [(0, 8), (1, 8), (5, 8), (7, 8), (2, 10), (9, 10)], 0.1, 0.1, 0.07, 4, 1.0),
        new("wide-theta", 7, [(0, 12), (3, 12), (4, 12), (11, 12), (1, 6), (2, 6), (5, 6), (0, 4)], 0.35, 0.1, 0.07, 4, 3.0),
        new("cold", 4, [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5)], 0.45, 0.005, 0.07, 4, 100.0, Sigma: 0.3),
    ];

    // Values from tests/reference/contrastive_reference.py (PyTorch 1.13, Debian), checked in so the test can fail without Python.
    private static readonly Dictionary<string, (double Pcl, double Gcl, double SimClr)> CheckedIn = new()
    {
        ["small"] = (1.283771276473999, 1.4801311492919922, 0.8229720592498779),
        ["wide-theta"] = (6.30930233001709, 2.562931537628174, 1.3811753988265991),
        ["cold"] = (9.632020950317383, 2.4245409965515137, 0.0),
    };

    private static (double Pcl, double Gcl, double SimClr) Compute(Case c)
    {
        using var scope = NewDisposeScope();
        var z = tensor(c.Embeddings());
        var p = tensor(c.Positions().Select(v => (float)v).ToArray()).repeat(2);
        var g = tensor(c.Positions().Select(v => ContrastiveLoss.PartitionOf(v, c.Partitions)).ToArray()).repeat(2);
        return (
            ContrastiveLoss.Positional(z, p, c.Threshold, c.Temperature, c.BaseTemperature).item<float>(),
            ContrastiveLoss.Partition(z, g, c.Temperature, c.BaseTemperature).item<float>(),
            ContrastiveLoss.SimClr(z, c.Temperature, c.BaseTemperature).item<float>());
    }

    [Test]
    public void Losses_MatchCheckedInReferenceValues()
    {
        foreach (var c in Cases)
        {
            var (pcl, gcl, sim) = Compute(c);
            var want = CheckedIn[c.Name];
            Assert.Multiple(() =>
            {
                Assert.That(pcl, Is.EqualTo(want.Pcl).Within(1e-4 * Math.Max(1, Math.Abs(want.Pcl))), $"{c.Name} PCL");
                Assert.That(gcl, Is.EqualTo(want.Gcl).Within(1e-4 * Math.Max(1, Math.Abs(want.Gcl))), $"{c.Name} GCL");
                Assert.That(sim, Is.EqualTo(want.SimClr).Within(1e-4 * Math.Max(1, Math.Abs(want.SimClr))), $"{c.Name} SimCLR");
                Assert.That(double.IsFinite(pcl) && double.IsFinite(gcl) && double.IsFinite(sim), Is.True);
            });
        }
    }

    [Test]
    public void Losses_MatchPythonReferenceScript()
    {
        const string python = "/usr/bin/python3";
        string script = Path.Combine(RepoRoot(), "tests", "reference", "contrastive_reference.py");
        if (!File.Exists(python) || !HasTorch(python))
        {
            Assert.Ignore("Debian's python3-torch is not installed; the checked-in values are still tested.");
        }
        var request = new JsonObject { ["cases"] = new JsonArray(Cases.Select(c => (JsonNode?)c.ToJson()).ToArray()) };
        var psi = new ProcessStartInfo(python, [script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var proc = Process.Start(psi)!;
        proc.StandardInput.Write(request.ToJsonString());
        proc.StandardInput.Close();
        string stdout = proc.StandardOutput.ReadToEnd();
        string stderr = proc.StandardError.ReadToEnd();
        proc.WaitForExit();
        Assert.That(proc.ExitCode, Is.Zero, stderr);
        var result = JsonNode.Parse(stdout)!.AsObject();
        foreach (var c in Cases)
        {
            var (pcl, gcl, sim) = Compute(c);
            var r = result[c.Name]!;
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Name}: reference pcl={r["pcl"]!.GetValue<double>():R} gcl={r["gcl"]!.GetValue<double>():R} simclr={r["simclr"]!.GetValue<double>():R}; ours {pcl:R} {gcl:R} {sim:R}"));
            Assert.Multiple(() =>
            {
                Assert.That(pcl, Is.EqualTo(r["pcl"]!.GetValue<double>()).Within(1e-4 * Math.Max(1, Math.Abs(pcl))), $"{c.Name} PCL");
                Assert.That(gcl, Is.EqualTo(r["gcl"]!.GetValue<double>()).Within(1e-4 * Math.Max(1, Math.Abs(gcl))), $"{c.Name} GCL");
                Assert.That(sim, Is.EqualTo(r["simclr"]!.GetValue<double>()).Within(1e-4 * Math.Max(1, Math.Abs(sim))), $"{c.Name} SimCLR");
            });
        }
    }

    // PCL with soft positives (WSP), from the same script ("soft"), checked in.
    private static readonly Dictionary<string, double> CheckedInSoft = new()
    {
        ["small"] = 2.325235366821289,
        ["wide-theta"] = 4.1979827880859375,
        ["cold"] = 8.55728530883789,
    };

    private static double ComputeSoft(Case c)
    {
        using var scope = NewDisposeScope();
        var z = tensor(c.Embeddings());
        var p = tensor(c.Positions().Select(v => (float)v).ToArray()).repeat(2);
        return ContrastiveLoss.SoftPositional(z, p, c.Sigma, c.Temperature, c.BaseTemperature).item<float>();
    }

    [Test]
    public void SoftPositives_MatchCheckedInAndPythonReferenceValues()
    {
        JsonObject? result = null;
        const string python = "/usr/bin/python3";
        if (File.Exists(python) && HasTorch(python))
        {
            var request = new JsonObject { ["cases"] = new JsonArray(Cases.Select(c => (JsonNode?)c.ToJson()).ToArray()) };
            var psi = new ProcessStartInfo(python, [Path.Combine(RepoRoot(), "tests", "reference", "contrastive_reference.py")]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            using var proc = Process.Start(psi)!;
            proc.StandardInput.Write(request.ToJsonString());
            proc.StandardInput.Close();
            string stdout = proc.StandardOutput.ReadToEnd();
            string stderr = proc.StandardError.ReadToEnd();
            proc.WaitForExit();
            Assert.That(proc.ExitCode, Is.Zero, stderr);
            result = JsonNode.Parse(stdout)!.AsObject();
        }
        foreach (var c in Cases)
        {
            double soft = ComputeSoft(c);
            Assert.That(soft, Is.EqualTo(CheckedInSoft[c.Name]).Within(1e-4 * Math.Max(1, Math.Abs(soft))), $"{c.Name} soft (checked in)");
            if (result is not null)
            {
                Assert.That(soft, Is.EqualTo(result[c.Name]!["soft"]!.GetValue<double>()).Within(1e-4 * Math.Max(1, Math.Abs(soft))), $"{c.Name} soft (script)");
            }
        }
    }

    [Test]
    public void SoftPositives_ApproachHardPcl_AsTheKernelNarrowsToTheOtherView()
    {
        // With sigma far below the smallest position gap, only the other view (Δp = 0) keeps weight: SimCLR.
        using var scope = NewDisposeScope();
        var z = randn(16, 8, generator: new TorchSharp.torch.Generator(5));
        var p = tensor(Enumerable.Range(0, 8).Select(k => (k + 1f) / 8).ToArray()).repeat(2);
        double soft = ContrastiveLoss.SoftPositional(z, p, 0.005, 0.1, 0.07).item<float>();
        double sim = ContrastiveLoss.SimClr(z, 0.1, 0.07).item<float>();
        double wide = ContrastiveLoss.SoftPositional(z, p, 0.2, 0.1, 0.07).item<float>();
        Assert.That(soft, Is.EqualTo(sim).Within(1e-5));
        Assert.That(wide, Is.Not.EqualTo(sim).Within(1e-3));
    }

    [Test]
    public void Pcl_EqualsSimClr_WhenThresholdAdmitsNoOtherSlice()
    {
        using var scope = NewDisposeScope();
        var z = randn(16, 8, generator: new TorchSharp.torch.Generator(3));
        var p = tensor(Enumerable.Range(0, 8).Select(k => (k + 1f) / 8).ToArray()).repeat(2);
        double pcl = ContrastiveLoss.Positional(z, p, 0.01, 0.1, 0.07).item<float>();
        double sim = ContrastiveLoss.SimClr(z, 0.1, 0.07).item<float>();
        Assert.That(pcl, Is.EqualTo(sim).Within(1e-5));
    }

    [Test]
    public void IdenticalEmbeddings_GiveTheCollapseLoss_ThatPretrainResultFlags([Values(4, 16, 32)] int n)
    {
        using var scope = NewDisposeScope();
        var z = ones(2 * n, 8);
        var p = linspace(0.1, 1.0, n).repeat(2);
        double loss = ContrastiveLoss.Positional(z, p, 0.1, 0.1, 0.07).item<float>();
        double collapse = ThighSeg.Core.Abstractions.PretrainResult.CollapseLossFor(n, 0.1, 0.07);
        Assert.That(loss, Is.EqualTo(collapse).Within(1e-4 * collapse));
        Assert.That(ThighSeg.Core.Abstractions.PretrainResult.IsCollapsed(loss, collapse), Is.True);
        Assert.That(ThighSeg.Core.Abstractions.PretrainResult.IsCollapsed(0.9 * collapse, collapse), Is.False);
        Assert.That(ThighSeg.Core.Abstractions.PretrainResult.IsCollapsed(double.NaN, collapse), Is.False);
    }

    [Test]
    public void PartitionOf_GivesEqualQuarters_ForDepthMultipleOfFour()
    {
        var parts = Enumerable.Range(0, 12).Select(k => ContrastiveLoss.PartitionOf((k + 1.0) / 12, 4)).ToArray();
        Assert.That(parts, Is.EqualTo(new long[] { 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3 }));
    }

    [Test]
    public void Loss_HasGradient_AndIsFiniteAtExtremeTemperature()
    {
        using var scope = NewDisposeScope();
        var z = (randn(8, 4, generator: new TorchSharp.torch.Generator(1)) * 1000).requires_grad_();
        var p = tensor(new float[] { 0.1f, 0.2f, 0.3f, 0.9f }).repeat(2);
        var loss = ContrastiveLoss.Positional(z, p, 0.15, 0.001, 0.07);
        loss.backward();
        Assert.That(double.IsFinite(loss.item<float>()), Is.True);
        Assert.That(z.grad!.isfinite().all().item<bool>(), Is.True);
    }

    internal static string RepoRoot()
    {
        var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Directory.Build.props")))
        {
            d = d.Parent;
        }
        return d?.FullName ?? throw new DirectoryNotFoundException("Repository root not found.");
    }

    private static bool HasTorch(string python)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(python, ["-c", "import torch"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
