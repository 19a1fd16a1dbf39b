using ThighSeg.Torch.Interop;

namespace ThighSeg.Torch.Tests.Foundation;

[TestFixture]
public sealed class NativeCompatTests
{
    private const string MissingOnDebian12 = "GLIBCXX_3.4.32";
    private const string IosBaseLibraryInit = "_ZSt21ios_base_library_initv";

    private static ElfImage LibTorchSharp()
    {
        string? path = NativeCompat.FindOriginalLibrary();
        Assert.That(path, Is.Not.Null, "libLibTorchSharp.so should be found next to the test assembly");
        return new ElfImage(File.ReadAllBytes(path!));
    }

    private static HashSet<string> RequiredLibStdCxxVersions(ElfImage image) =>
        image.VersionNeeds().Where(n => n.File == LibStdCxxPatchPlan.LibStdCxx).Select(n => n.Name).ToHashSet();

    [Test]
    public void Plan_PatchesExactlyTheMissingVersion_WhenLibStdCxxStopsAt3430()
    {
        var image = LibTorchSharp();
        var available = RequiredLibStdCxxVersions(image);
        available.Remove(MissingOnDebian12);

        var plan = LibStdCxxPatchPlan.Create(image, available);

        Assert.Multiple(() =>
        {
            Assert.That(plan.IsNoOp, Is.False);
            Assert.That(plan.MissingVersions, Is.EqualTo(new[] { MissingOnDebian12 }));
            Assert.That(plan.AffectedSymbols, Is.EqualTo(new[] { IosBaseLibraryInit }));
            Assert.That(plan.Patches, Has.Count.EqualTo(2), "one versym entry and one vna_flags field");
        });
    }

    [Test]
    public void Plan_IsNoOp_WhenLibStdCxxProvidesEveryRequiredVersion()
    {
        var image = LibTorchSharp();
        var plan = LibStdCxxPatchPlan.Create(image, RequiredLibStdCxxVersions(image));
        Assert.Multiple(() =>
        {
            Assert.That(plan.IsNoOp, Is.True);
            Assert.That(plan.Patches, Is.Empty);
        });
    }

    [Test]
    public void PatchedImage_MarksVersionWeakAndSymbolUnversioned_AndChangesNothingElse()
    {
        var image = LibTorchSharp();
        var available = RequiredLibStdCxxVersions(image);
        available.Remove(MissingOnDebian12);
        var plan = LibStdCxxPatchPlan.Create(image, available);

        byte[] patched = image.WithPatches(plan.Patches);
        var reread = new ElfImage(patched);

        var need = reread.VersionNeeds().Single(n => n.Name == MissingOnDebian12);
        var symbol = reread.DynamicSymbols().Single(s => s.Name == IosBaseLibraryInit);
        int differing = 0;
        for (int i = 0; i < patched.Length; i++)
        {
            differing += patched[i] != image.Bytes[i] ? 1 : 0;
        }
        Assert.Multiple(() =>
        {
            Assert.That(need.Flags & ElfImage.VerFlagWeak, Is.EqualTo(ElfImage.VerFlagWeak));
            Assert.That(symbol.VersionIndex, Is.EqualTo(1));
            Assert.That(differing, Is.InRange(1, 4), "only the two 16-bit fields may change");
            Assert.That(patched, Has.Length.EqualTo(image.Bytes.Length));
        });
    }

    [Test]
    public void Plan_Refuses_WhenAMissingVersionIsUsedByARelocation()
    {
        var image = LibTorchSharp();
        var available = RequiredLibStdCxxVersions(image);
        // GLIBCXX_3.4.30 carries std::condition_variable::wait, which the library really calls.
        available.Remove("GLIBCXX_3.4.30");

        var ex = Assert.Throws<NativeCompatException>(() => LibStdCxxPatchPlan.Create(image, available));
        Assert.That(ex!.Message, Does.Contain("GLIBCXX_3.4.30").And.Contain("newer libstdc++"));
    }

    [Test]
    public void Ensure_PatchesOnlyWhenTheSystemLibStdCxxLacksAVersion()
    {
        var report = NativeCompat.Ensure();
        string? systemLib = NativeCompat.FindSystemLibStdCxx();
        Assert.That(systemLib, Is.Not.Null);
        bool systemHas3432 = new ElfImage(File.ReadAllBytes(systemLib!)).VersionDefinitions().Contains(MissingOnDebian12);

        if (NativeCompat.IsDisabled())
        {
            Assert.That(report.Status, Is.EqualTo(NativeCompatStatus.Disabled));
        }
        else if (systemHas3432)
        {
            Assert.That(report.Status, Is.EqualTo(NativeCompatStatus.NotNeeded));
        }
        else
        {
            Assert.Multiple(() =>
            {
                Assert.That(report.Status, Is.EqualTo(NativeCompatStatus.Patched));
                Assert.That(report.MissingVersions, Does.Contain(MissingOnDebian12));
                Assert.That(report.PatchedLibrary, Does.StartWith(NativeCompat.CacheRoot()));
                Assert.That(report.PatchedLibrary, Does.Not.Contain(".nuget"));
            });
        }
    }

    [Test]
    public void IsDisabled_HonoursTheEnvironmentVariable()
    {
        string? before = Environment.GetEnvironmentVariable(NativeCompat.DisableVariable);
        try
        {
            Environment.SetEnvironmentVariable(NativeCompat.DisableVariable, "0");
            Assert.That(NativeCompat.IsDisabled(), Is.True);
            Environment.SetEnvironmentVariable(NativeCompat.DisableVariable, "1");
            Assert.That(NativeCompat.IsDisabled(), Is.False);
        }
        finally
        {
            Environment.SetEnvironmentVariable(NativeCompat.DisableVariable, before);
        }
    }

    [Test]
    public void ElfImage_RejectsFilesThatAreNotElf64()
    {
        Assert.Throws<NativeCompatException>(() => _ = new ElfImage(new byte[100]));
        var truncated = File.ReadAllBytes(NativeCompat.FindOriginalLibrary()!).AsSpan(0, 200).ToArray();
        Assert.Throws<NativeCompatException>(() => _ = new ElfImage(truncated));
    }
}
