namespace ThighSeg.Cli.Tests;

[TestFixture]
public sealed class VersionCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

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
}
