using System.Diagnostics;
using System.Text.Json;
using ThighSeg.Benchmarks.Peer;

namespace ThighSeg.Benchmarks.Tests;

/// <summary>The peer harness on its tiny smoke cases against Debian's PyTorch (skipped where python3-torch is missing).</summary>
[TestFixture]
public sealed class PeerHarnessTests
{
    private const string Python = "/usr/bin/python3";

    private static bool PythonTorchAvailable()
    {
        if (!File.Exists(Python))
        {
            return false;
        }
        var psi = new ProcessStartInfo(Python, "-c \"import torch\"") { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode == 0;
    }

    [TestCase(null)]
    [TestCase("--best")]
    public void PeerHarness_SmokeCases_ProduceIdenticalOutputsInPyTorch_AndARatioPerCase(string? variant)
    {
        if (!PythonTorchAvailable())
        {
            Assert.Ignore("Debian's python3-torch is not installed.");
        }
        string outDir = Path.Combine(Path.GetTempPath(), $"thighseg-peer-test-{Guid.NewGuid():N}");
        try
        {
            using var writer = new StringWriter();
            int exit = PeerHarness.Run(["--rounds", "1", "--threads", "1", "--out", outDir, .. variant is null ? Array.Empty<string>() : [variant]], writer);
            Assert.That(exit, Is.EqualTo(0), writer.ToString());
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "peer-results.json")));
            var rows = doc.RootElement.GetProperty("rows").EnumerateArray().ToList();
            Assert.That(rows, Has.Count.EqualTo(PeerCase.Smoke().Count));
            foreach (var row in rows)
            {
                Assert.That(row.GetProperty("identical").GetBoolean(), Is.True, row.GetProperty("check").GetString());
                Assert.That(row.GetProperty("ratio").GetDouble(), Is.GreaterThan(0));
            }
            Assert.That(writer.ToString(), Does.Contain("| ratio TS/PT |"));
            if (variant == "--best")
            {
                // Both sides ran PyTorch's best settings (bf16 outputs agree within the reduced-precision tolerance).
                Assert.That(writer.ToString(), Does.Contain("variant: channels-last + cudnn-benchmark + bf16 autocast"));
            }
        }
        finally
        {
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, recursive: true);
            }
        }
    }

    [Test]
    public void OutputCheck_FailsWhenPyTorchDiffers()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"thighseg-peer-check-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var c = PeerCase.Smoke()[0];
            var ts = new CheckResult(1.0, 2.0, 100, 4);
            File.WriteAllBytes(Path.Combine(dir, "dotnet_output.bin"), Floats(1, 2, 3, 4));
            File.WriteAllText(Path.Combine(dir, "python_check.json"), JsonSerializer.Serialize(new CheckResult(1.0, 2.0, 100, 4)));
            File.WriteAllBytes(Path.Combine(dir, "python_output.bin"), Floats(1, 2, 3, 4));
            Assert.That(PeerHarness.CompareOutputs(c, ts, dir, false).Passed, Is.True);
            File.WriteAllBytes(Path.Combine(dir, "python_output.bin"), Floats(1, 2, 3.1f, 4));
            Assert.That(PeerHarness.CompareOutputs(c, ts, dir, false).Passed, Is.False);
            File.WriteAllBytes(Path.Combine(dir, "python_output.bin"), Floats(1, 2, 3, 4));
            File.WriteAllText(Path.Combine(dir, "python_check.json"), JsonSerializer.Serialize(new CheckResult(1.0, 2.0, 99, 4)));
            Assert.That(PeerHarness.CompareOutputs(c, ts, dir, false).Passed, Is.False, "parameter count differs");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    [Test]
    [Category("Slow")]
    public void DeviceChecks_PassOnTheCpu()
    {
        using var writer = new StringWriter();
        int exit = DeviceChecks.Run(["--device", "cpu"], writer);
        Assert.That(exit, Is.Zero, writer.ToString());
        Assert.That(writer.ToString(), Does.Contain("| device checks (cpu) | 6 of 6 passed |").And.Not.Contain("FAIL"));
    }
}
