using System.Diagnostics;
using System.Text.Json;
using ThighSeg.Core.Statistics;

namespace ThighSeg.Core.Tests.Statistics;

public class WilcoxonSignedRankTestTests
{
    [Test]
    public void ExactP_IsTwoOver32_WhenAllFiveDifferencesArePositive()
    {
        // W- = 0: only the empty sign pattern of 2^5 gives W+ <= 0, so p = 2 · 1/32.
        var r = WilcoxonSignedRankTest.Test([2, 3, 4, 5, 6], [1, 1, 1, 1, 1]);
        Assert.Multiple(() =>
        {
            Assert.That(r.Method, Is.EqualTo(WilcoxonMethod.Exact));
            Assert.That(r.Statistic, Is.Zero);
            Assert.That(r.RankSumPositive, Is.EqualTo(15));
            Assert.That(r.PValue, Is.EqualTo(0.0625).Within(1e-15));
        });
    }

    [Test]
    public void ExactP_IsSixOver64_ForOneSmallNegativeDifference()
    {
        // d = 1, -2, 3, 4, 5, 6: W- = 2. Subsets of {1..6} with sum <= 2: {}, {1}, {2} -> P = 3/64, p = 6/64.
        var r = WilcoxonSignedRankTest.Test([1, -2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0]);
        Assert.That(r.Statistic, Is.EqualTo(2));
        Assert.That(r.PValue, Is.EqualTo(0.09375).Within(1e-15));
    }

    [Test]
    public void NormalApproximation_WithTies_MatchesHandComputation()
    {
        // d = 1, -1, 2, 2: mid-ranks 1.5, 1.5, 3.5, 3.5; W+ = 8.5, W- = 1.5, T = 1.5. Mean n(n+1)/4 = 5.
        // Var = [n(n+1)(2n+1) - ½Σ t(t²-1)] / 24 = (180 - ½(6 + 6)) / 24 = 7.25.
        // Continuity: z = (1.5 - 5 + 0.5) / sqrt(7.25) = -1.114172; p = erfc(|z|/√2) = 0.2652053925915.
        var r = WilcoxonSignedRankTest.Test([1, -1, 2, 2], [0, 0, 0, 0]);
        Assert.Multiple(() =>
        {
            Assert.That(r.Method, Is.EqualTo(WilcoxonMethod.Normal));
            Assert.That(r.Statistic, Is.EqualTo(1.5));
            Assert.That(r.Z, Is.EqualTo(-3 / Math.Sqrt(7.25)).Within(1e-12));
            Assert.That(r.PValue, Is.EqualTo(0.26520539259150766).Within(1e-12));
        });
    }

    [Test]
    public void ExactDistribution_SumsToOne_AndIsSymmetric()
    {
        double[] pmf = WilcoxonSignedRankTest.ExactDistribution(10);
        Assert.That(pmf.Sum(), Is.EqualTo(1).Within(1e-12));
        for (int w = 0; w < pmf.Length; w++)
        {
            Assert.That(pmf[w], Is.EqualTo(pmf[^(w + 1)]).Within(1e-15));
        }
    }

    [Test]
    public void Test_ReturnsPOne_WhenAllDifferencesAreZero()
    {
        var r = WilcoxonSignedRankTest.Test([0.9, 0.8], [0.9, 0.8]);
        Assert.That(r.PValue, Is.EqualTo(1));
        Assert.That(r.Method, Is.EqualTo(WilcoxonMethod.None));
    }

    [Test]
    public void Test_DropsPairsWithNaN_AndCountsThem()
    {
        var withNaN = WilcoxonSignedRankTest.Test([2, 3, double.NaN, 4, 5, 6], [1, 1, 1, 1, 1, double.NaN]);
        var without = WilcoxonSignedRankTest.Test([2, 3, 4, 5], [1, 1, 1, 1]);
        Assert.That(withNaN.DroppedNaN, Is.EqualTo(2));
        Assert.That(withNaN.Pairs, Is.EqualTo(4));
        Assert.That(withNaN.PValue, Is.EqualTo(without.PValue));
    }

    [Test]
    public void Test_Rejects_UnpairedSamples_AndExactWithTies()
    {
        Assert.Throws<ArgumentException>(() => WilcoxonSignedRankTest.Test([1, 2], [1]));
        Assert.Throws<ArgumentException>(() => WilcoxonSignedRankTest.Test([double.NaN], [1]));
        Assert.Throws<InvalidOperationException>(() =>
            WilcoxonSignedRankTest.Test([1, 1, 2], [0, 0, 0], new WilcoxonOptions { Method = WilcoxonMethod.Exact }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new WilcoxonOptions { Method = WilcoxonMethod.None });
    }

    [Test]
    public void Test_MatchesScipy_OnReferenceCases()
    {
        string script = FindReferenceScript();
        string json = RunPythonOrIgnore(script);
        using var doc = JsonDocument.Parse(json);
        int checkedCases = 0;
        foreach (var c in doc.RootElement.EnumerateObject())
        {
            var v = c.Value;
            double[] x = v.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            double[] y = v.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var options = new WilcoxonOptions
            {
                ZeroMethod = v.GetProperty("zero_method").GetString() == "pratt" ? WilcoxonZeroMethod.Pratt : WilcoxonZeroMethod.Wilcox,
                ContinuityCorrection = v.GetProperty("correction").GetBoolean(),
            };
            var expectedMethod = v.GetProperty("mode").GetString() == "exact" ? WilcoxonMethod.Exact : WilcoxonMethod.Normal;
            var auto = WilcoxonSignedRankTest.Test(x, y, options);
            var forced = expectedMethod == WilcoxonMethod.Normal ? WilcoxonSignedRankTest.Test(x, y, options with { Method = WilcoxonMethod.Normal }) : auto;
            Assert.Multiple(() =>
            {
                // ThighSeg's automatic choice agrees with the mode the script requested, except for n > 50 (both normal).
                Assert.That(auto.Method, Is.EqualTo(expectedMethod), c.Name);
                Assert.That(forced.Statistic, Is.EqualTo(v.GetProperty("statistic").GetDouble()).Within(1e-9), c.Name);
                Assert.That(forced.PValue, Is.EqualTo(v.GetProperty("pvalue").GetDouble()).Within(1e-9 + (1e-7 * v.GetProperty("pvalue").GetDouble())), c.Name);
            });
            checkedCases++;
        }
        Assert.That(checkedCases, Is.GreaterThanOrEqualTo(9));
    }

    private static string FindReferenceScript()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "reference", "wilcoxon_reference.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        Assert.Fail("tests/reference/wilcoxon_reference.py not found above the test directory.");
        return "";
    }

    private static string RunPythonOrIgnore(string script)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Assert.Ignore($"{python} not found; the hard-coded Wilcoxon cases still ran.");
        }
        var check = Run(python, "-c \"import scipy.stats, numpy\"");
        if (check.ExitCode != 0)
        {
            Assert.Ignore("SciPy is not installed for /usr/bin/python3 (apt install python3-scipy); the hard-coded Wilcoxon cases still ran.");
        }
        var run = Run(python, $"\"{script}\"");
        Assert.That(run.ExitCode, Is.Zero, run.Error);
        return run.Output;
    }

    private static (int ExitCode, string Output, string Error) Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {arguments} did not finish within 60 s.");
        }
        return (process.ExitCode, stdout, stderr.Result);
    }
}
