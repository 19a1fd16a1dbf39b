using Microsoft.ML;

namespace ThighSeg.ML.Tests;

public sealed class SchemaTests
{
    private sealed class Misnamed
    {
        public string Image { get; set; } = "";

        public string LabelPath { get; set; } = "";
    }

    private sealed class NumericImage
    {
        public float ImagePath { get; set; }

        public string LabelPath { get; set; } = "";
    }

    [Test]
    public void Fit_WithoutTheImageColumn_ThrowsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Misnamed { Image = "a.nii", LabelPath = "b.nii" } });
        var estimator = ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(TinyCohort.NewFolder("s")));
        var ex = Assert.Throws<SchemaMismatchException>(() => estimator.Fit(data));
        Assert.That(ex!.ColumnName, Is.EqualTo("ImagePath"));
        Assert.That(ex.Message, Does.Contain("'ImagePath'").And.Contain("image column").And.Contain("Image, LabelPath"));
    }

    [Test]
    public void GetOutputSchema_WithANumericImageColumn_ThrowsNamingTheColumnAndType()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new NumericImage { ImagePath = 1, LabelPath = "b.nii" } });
        var estimator = ml.ThighSeg().Segmentation();
        var ex = Assert.Throws<SchemaMismatchException>(() => estimator.GetOutputSchema(ThighSeg.ML.Internal.MLNetBridge.SchemaShapeOf(data.Schema)));
        Assert.That(ex!.ColumnName, Is.EqualTo("ImagePath"));
        Assert.That(ex.Message, Does.Contain("'ImagePath'").And.Contain("must hold text"));
    }

    [Test]
    public void GetOutputSchema_WithoutTheLabelColumn_NamesIt_AndCustomNamesAreUsed()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Misnamed { Image = "a.nii", LabelPath = "b.nii" } });
        var shape = ThighSeg.ML.Internal.MLNetBridge.SchemaShapeOf(data.Schema);
        var ok = ml.ThighSeg().Segmentation(new SegmentationEstimator.Options { ImageColumnName = "Image", VolumesColumnName = "Vol" }).GetOutputSchema(shape);
        Assert.That(ok.Select(c => c.Name), Is.EqualTo(new[] { "Image", "LabelPath", "PredictedMaskPath", "Vol" }));
        var ex = Assert.Throws<SchemaMismatchException>(() =>
            ml.ThighSeg().Segmentation(new SegmentationEstimator.Options { ImageColumnName = "Image", LabelColumnName = "Seg" }).GetOutputSchema(shape));
        Assert.That(ex!.ColumnName, Is.EqualTo("Seg"));
        Assert.That(ex.Message, Does.Contain("label column 'Seg'"));
    }

    [Test]
    public void PretrainEncoder_WithoutTheImageColumn_ThrowsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Misnamed { Image = "a.nii" } });
        var ex = Assert.Throws<SchemaMismatchException>(() => ml.ThighSeg().PretrainEncoder(imageColumnName: "Scan").Fit(data));
        Assert.That(ex!.ColumnName, Is.EqualTo("Scan"));
    }

    [Test]
    public void Options_RejectEmptyColumnNames_NamingTheParameter()
    {
        Assert.That(() => new SegmentationEstimator.Options { ImageColumnName = " " },
            Throws.ArgumentException.With.Message.Contains("ImageColumnName"));
        Assert.That(() => new EncoderPretrainingEstimator.Options { ImageColumnName = "" },
            Throws.ArgumentException.With.Message.Contains("ImageColumnName"));
    }
}
