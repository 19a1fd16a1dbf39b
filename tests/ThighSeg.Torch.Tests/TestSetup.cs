namespace ThighSeg.Torch.Tests;

[SetUpFixture]
public sealed class TestSetup
{
    [OneTimeSetUp]
    public void Init() => TorchBackend.Initialize();

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "thighseg-torch-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
