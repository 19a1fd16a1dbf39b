using static ThighSeg.Cli.Tests.Support.CliRunner;

namespace ThighSeg.Cli.Tests;

[TestFixture]
public sealed class VersionCommandTests
{
    [Test]
    public void Version_PrintsThighSegTorchSharpLibTorchAndDevice()
    {
        var (code, text, _) = Run("--version");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(text, Does.Contain("thighseg 0.1.0"));
            Assert.That(text, Does.Contain("TorchSharp 0.107.0"));
            Assert.That(text, Does.Contain("libtorch 2.10.0"));
            Assert.That(text, Does.Match(@"device (cpu|cuda:0)"));
        });
    }

    [Test]
    public void Backend_PrintsJson()
    {
        var (code, text, _) = Run("backend", "--device", "cpu");
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero);
            Assert.That(doc.RootElement.GetProperty("device").GetString(), Is.EqualTo("cpu"));
            Assert.That(doc.RootElement.GetProperty("threads").GetInt32(), Is.GreaterThan(0));
        });
    }

    [TestCase("--no-such-option")]
    [TestCase("no-such-verb")]
    [TestCase("backend", "--device", "tpu")]
    public void BadArguments_ExitWithCode2AndAMessage(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("error:"));
    }

    [Test]
    public void Version_WithThighsegLibtorch_OnDebiansPyTorch113_FailsWithTheClearMessage_InAChildProcess()
    {
        const string debian = "/usr/lib/python3/dist-packages/torch/lib";
        if (!File.Exists(Path.Combine(debian, "libtorch_cpu.so")))
        {
            Assert.Ignore("python3-torch is not installed (.ci/run installs it)");
        }
        // A child process, so that this test host's own TorchSharp stays as it is.
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", [typeof(CliApp).Assembly.Location, "--version"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["THIGHSEG_LIBTORCH"] = debian;
        using var child = System.Diagnostics.Process.Start(psi)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        string err = child.StandardError.ReadToEnd();
        child.WaitForExit();
        string all = stdout.Result + err;
        TestContext.Out.WriteLine(all);
        Assert.That(child.ExitCode, Is.EqualTo(1), all);
        Assert.That(err, Does.Contain("THIGHSEG_LIBTORCH=" + debian).And.Contain("libtorch 1.13.0").And.Contain("needs libtorch 2.10 or a newer 2.x"));
        Assert.That(all, Does.Not.Contain("   at ").And.Not.Contain("Unhandled"), "a message, not a crash");
    }
}
