using ThighSeg.Core.Data;

namespace ThighSeg.Core.Tests.Data;

public sealed class SubjectIdsTests
{
    [TestCase("/data/sub-01.nii.gz", "sub-01")]
    [TestCase("/data/sub.01.nii", "sub.01")]
    [TestCase("/data/SUB-02.NII.GZ", "SUB-02")]
    [TestCase("/data/x.hdr", "x")]
    [TestCase("/data/x.img", "x")]
    [TestCase("/data/slice.dcm", "slice")]
    [TestCase("/data/series-7/", "series-7")]
    [TestCase("/data/series-7", "series-7")]
    [TestCase("/data/notes.v2.txt", "notes.v2.txt")]
    [TestCase("/data/.nii", ".nii")]
    [TestCase("/", "volume")]
    public void FromPath_RemovesOnlyAVolumeExtension(string path, string id) =>
        Assert.That(SubjectIds.FromPath(path), Is.EqualTo(id));

    [Test]
    public void Split_TagsTheRemovedExtension_AndFoldersAsDicom()
    {
        Assert.That(SubjectIds.Split("x.nii.gz"), Is.EqualTo(("x", "nii_gz")));
        Assert.That(SubjectIds.Split("x.NII"), Is.EqualTo(("x", "nii")));
        Assert.That(SubjectIds.Split("x"), Is.EqualTo(("x", SubjectIds.FolderTag)));
    }

    [Test]
    public void Distinct_KeepsUniqueIds_AndTagsCollidingOnes_IgnoringCase()
    {
        var ids = SubjectIds.Distinct(["/a/x.nii", "/a/X.nii.gz", "/a/x", "/a/y.nii.gz"]);
        Assert.That(ids, Is.EqualTo(new[] { "x_nii", "X_nii_gz", "x_dicom", "y" }));
    }

    [Test]
    public void Distinct_NumbersIdsThatStillCollide_SameNameInTwoFolders()
    {
        var ids = SubjectIds.Distinct(["/a/x.nii.gz", "/b/x.nii.gz", "/c/x.nii.gz", "/d/x_nii_gz-2.nii"]);
        Assert.That(ids, Is.EqualTo(new[] { "x_nii_gz", "x_nii_gz-3", "x_nii_gz-4", "x_nii_gz-2" }));
    }
}
