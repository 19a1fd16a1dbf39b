using ThighSeg.Torch.Interop;

namespace ThighSeg.Torch.Tests.Foundation;

/// <summary>
/// <see cref="ExternalLibTorch"/>: the start-up check of a libtorch named by THIGHSEG_LIBTORCH, against real libraries
/// (Debian's python3-torch 1.13, a real and mismatching libtorch, and the libtorch 2.10 the tests run on). The check
/// only reads ELF files, so the test host's own TorchSharp is never touched; the end-to-end refusal (the CLI in a child
/// process) is in ThighSeg.Cli.Tests.
/// </summary>
[TestFixture]
public sealed class ExternalLibTorchTests
{
    private const string DebianTorchLib = "/usr/lib/python3/dist-packages/torch/lib";

    private static string Bridge() => NativeCompat.FindOriginalLibrary() ?? throw new InconclusiveException("libLibTorchSharp.so not found");

    [Test]
    public void Check_RefusesDebiansPyTorch113_SayingWhatWasFoundAndWhatIsNeeded()
    {
        if (!File.Exists(Path.Combine(DebianTorchLib, "libtorch_cpu.so")))
        {
            Assert.Ignore("python3-torch is not installed (.ci/run installs it)");
        }
        var ex = Assert.Throws<NativeCompatException>(() => ExternalLibTorch.Check(DebianTorchLib, Bridge()));
        TestContext.Out.WriteLine(ex!.Message);
        Assert.That(ex.Message, Does.Contain("THIGHSEG_LIBTORCH=" + DebianTorchLib)
            .And.Contain("libtorch 1.13.0").And.Contain("version.py")
            .And.Contain("needs libtorch 2.10 or a newer 2.x")
            .And.Contain("symbols libLibTorchSharp.so imports are missing"));
    }

    [Test]
    public void Check_AcceptsTheLibTorchTheTestsRunOn_WithEverySymbolPresent()
    {
        string folder = Path.GetDirectoryName(LibTorchInterop.Current.LibraryPath)!;
        var inspection = ExternalLibTorch.Check(folder, Bridge());
        Assert.That(inspection.Imports, Is.GreaterThan(500), "LibTorchSharp imports a thousand or so libtorch symbols");
        Assert.That(inspection.Missing, Is.Empty);
    }

    [Test]
    public void Check_RefusesAFolderWithoutLibTorch_AndAMissingFolder()
    {
        string empty = TestSetup.TempDir();
        Assert.That(() => ExternalLibTorch.Check(empty, Bridge()), Throws.TypeOf<NativeCompatException>().With.Message.Contain("no libtorch_cpu.so").And.Message.Contain("torch.__file__"));
        string missing = Path.Combine(empty, "nope");
        Assert.That(() => ExternalLibTorch.Check(missing, Bridge()), Throws.TypeOf<NativeCompatException>().With.Message.Contain("no such folder"));
    }

    [Test]
    public void ReadVersion_ReadsPyTorchsVersionPy_AndLibTorchsBuildVersion()
    {
        string root = TestSetup.TempDir();
        Directory.CreateDirectory(Path.Combine(root, "lib"));
        File.WriteAllText(Path.Combine(root, "version.py"), "__version__ = '2.11.0+cu130'\ndebug = False\n");
        Assert.That(ExternalLibTorch.ReadVersion(Path.Combine(root, "lib")).Version, Is.EqualTo(new Version(2, 11, 0)));
        File.Delete(Path.Combine(root, "version.py"));
        File.WriteAllText(Path.Combine(root, "build-version"), "2.10.0+cpu\n");
        Assert.That(ExternalLibTorch.ReadVersion(Path.Combine(root, "lib")).Version, Is.EqualTo(new Version(2, 10, 0)));
    }
}
