namespace ThighSeg.ML;

/// <summary>Default column names of the ThighSeg estimators.</summary>
public static class DefaultColumnNames
{
    /// <summary><c>ImagePath</c>: input column of image paths.</summary>
    public const string ImagePath = "ImagePath";

    /// <summary><c>LabelPath</c>: input column of label-map paths.</summary>
    public const string LabelPath = "LabelPath";

    /// <summary><c>PredictedMaskPath</c>: output column of predicted label-map paths.</summary>
    public const string PredictedMaskPath = "PredictedMaskPath";

    /// <summary><c>MuscleVolumesMl</c>: output column of muscle volumes in mL.</summary>
    public const string MuscleVolumesMl = "MuscleVolumesMl";
}
