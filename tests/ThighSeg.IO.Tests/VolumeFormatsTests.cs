using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;
using ThighSeg.IO.Tests.Nifti;

namespace ThighSeg.IO.Tests;

public class VolumeFormatsTests
{
    [Test]
    public void Default_ReadsAndWritesNifti_ByExtension()
    {
        using var dir = new TempDir();
        var formats = VolumeFormats.Default;
        Assert.That(formats.Readers.OfType<NiftiReader>(), Is.Not.Empty);
        var img = new Volume<float>(new VolumeShape(2, 2, 2), Affine.FromSpacing(1, 1, 1), [1, 2, 3, 4, 5, 6, 7, 8]);
        formats.WriteImage(dir.File("a.nii.gz"), img);
        Assert.That(formats.ReaderFor(dir.File("a.nii.gz")), Is.InstanceOf<NiftiReader>());
        Assert.That(formats.Read(dir.File("a.nii.gz")).Image.Data, Is.EqualTo(img.Data));
    }

    [Test]
    public void ReaderFor_RefusesUnknownAndMissingPaths_WithClearMessage()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("x.mha"), "?");
        Assert.That(Assert.Throws<VolumeFormatException>(() => VolumeFormats.Default.ReaderFor(dir.File("x.mha")))!.Message, Does.Contain("no reader").And.Contain("x.mha"));
        Assert.That(Assert.Throws<VolumeFormatException>(() => VolumeFormats.Default.ReaderFor(dir.File("missing.nii")))!.Message, Does.Contain("No such file"));
        Assert.That(Assert.Throws<VolumeFormatException>(() => VolumeFormats.Default.ReaderFor(dir.Path))!.Message, Does.Contain("folder"));
        Assert.Throws<VolumeFormatException>(() => VolumeFormats.Default.WriterFor("out.mha"));
    }

    [Test]
    public void WithReader_PutsTheNewReaderFirst_AndLeavesTheOriginalUnchanged()
    {
        using var dir = new TempDir();
        var fake = new FolderReader();
        var formats = VolumeFormats.Default.WithReader(fake);
        Assert.That(formats.ReaderFor(dir.Path), Is.SameAs(fake));
        Assert.That(VolumeFormats.Default.Readers, Does.Not.Contain(fake));
    }

    private sealed class FolderReader : IVolumeReader
    {
        public string FormatName => "Folder";

        public bool CanRead(string path) => Directory.Exists(path);

        public LoadedVolume Read(string path, VolumeReadOptions? options = null) =>
            new(new Volume<float>(new VolumeShape(1, 1, 1), Affine.Identity), new StoredDataType("uint8"), path);
    }
}
