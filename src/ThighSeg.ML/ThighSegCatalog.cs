using Microsoft.ML;
using Microsoft.ML.Runtime;
using ThighSeg.Core.Abstractions;
using ThighSeg.ML.Internal;
using ThighSeg.Torch;

namespace ThighSeg.ML;

/// <summary>
/// ThighSeg's ML.NET estimators, in the style of ML.NET's trainer catalogs: each has a simple overload with defaults and
/// one that takes an <c>Options</c> record. Obtain it with <c>mlContext.ThighSeg()</c>. Thread-safe.
/// </summary>
public sealed class ThighSegCatalog
{
    private readonly IHostEnvironment _env;

    internal ThighSegCatalog(MLContext mlContext)
    {
        _env = mlContext;
        MLNetBridge.RegisterLoader(mlContext.ComponentCatalog, typeof(SegmentationTransformer), typeof(SegmentationTransformerLoader<>),
            "ThighSeg segmentation", SegmentationTransformer.LoaderSignature);
        MLNetBridge.RegisterLoader(mlContext.ComponentCatalog, typeof(PretrainedEncoderTransformer), typeof(PretrainedEncoderTransformerLoader<>),
            "ThighSeg pretrained encoder", PretrainedEncoderTransformer.LoaderSignature);
    }

    /// <summary>Pretrains a U-Net encoder on the volumes named in <paramref name="imageColumnName"/>.</summary>
    /// <param name="imageColumnName">Input column of image paths (text).</param>
    /// <param name="method">Contrastive method (PCL by default).</param>
    /// <param name="network">U-Net configuration; null gives the defaults (<see cref="UNetOptions"/>: F=8, depth 4).</param>
    /// <param name="epochs">Epochs, or null for the default schedule (<see cref="PretrainOptions.DefaultSchedule"/>).</param>
    /// <param name="outputDirectory">Folder for checkpoints and the encoder (resumable), or null for a scratch folder.</param>
    /// <param name="device">Where to train.</param>
    public EncoderPretrainingEstimator PretrainEncoder(
        string imageColumnName = DefaultColumnNames.ImagePath,
        ContrastiveMethod method = ContrastiveMethod.Pcl,
        UNetOptions? network = null,
        int? epochs = null,
        string? outputDirectory = null,
        ComputeDevice device = ComputeDevice.Auto) =>
        PretrainEncoder(new EncoderPretrainingEstimator.Options
        {
            ImageColumnName = imageColumnName,
            Pretrain = new PretrainOptions
            {
                Method = method,
                Network = network ?? new UNetOptions(),
                Schedule = epochs is int e ? PretrainOptions.DefaultSchedule with { Epochs = e } : PretrainOptions.DefaultSchedule,
            },
            OutputDirectory = outputDirectory,
            Device = device,
        });

    /// <summary>Pretrains a U-Net encoder with full control over the options.</summary>
    public EncoderPretrainingEstimator PretrainEncoder(EncoderPretrainingEstimator.Options options) => new(_env, options);

    /// <summary>Fine-tunes a segmentation model on the image and label volumes named in two columns.</summary>
    /// <param name="labelColumnName">Input column of label-map paths (text).</param>
    /// <param name="imageColumnName">Input column of image paths (text).</param>
    /// <param name="outputDirectory">Folder for predicted label maps, or null for a scratch folder.</param>
    /// <param name="network">U-Net configuration; null gives the defaults.</param>
    /// <param name="epochs">Epochs, or null for the default schedule (<see cref="FineTuneOptions.DefaultSchedule"/>).</param>
    /// <param name="device">Where to train and predict.</param>
    public SegmentationEstimator Segmentation(
        string labelColumnName = DefaultColumnNames.LabelPath,
        string imageColumnName = DefaultColumnNames.ImagePath,
        string? outputDirectory = null,
        UNetOptions? network = null,
        int? epochs = null,
        ComputeDevice device = ComputeDevice.Auto) =>
        Segmentation(new SegmentationEstimator.Options
        {
            LabelColumnName = labelColumnName,
            ImageColumnName = imageColumnName,
            OutputDirectory = outputDirectory,
            FineTune = FineTuneWith(network ?? new UNetOptions(), epochs),
            Device = device,
        });

    /// <summary>Fine-tunes a segmentation model starting from <paramref name="encoder"/> (its network configuration is used).</summary>
    /// <param name="encoder">A pretrained encoder; it must stay undisposed until <c>Fit</c> returns.</param>
    /// <param name="labelColumnName">Input column of label-map paths (text).</param>
    /// <param name="imageColumnName">Input column of image paths (text).</param>
    /// <param name="outputDirectory">Folder for predicted label maps, or null for a scratch folder.</param>
    /// <param name="epochs">Epochs, or null for the default schedule (<see cref="FineTuneOptions.DefaultSchedule"/>).</param>
    /// <param name="device">Where to train and predict.</param>
    public SegmentationEstimator Segmentation(
        PretrainedEncoderTransformer encoder,
        string labelColumnName = DefaultColumnNames.LabelPath,
        string imageColumnName = DefaultColumnNames.ImagePath,
        string? outputDirectory = null,
        int? epochs = null,
        ComputeDevice device = ComputeDevice.Auto)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        return Segmentation(new SegmentationEstimator.Options
        {
            LabelColumnName = labelColumnName,
            ImageColumnName = imageColumnName,
            OutputDirectory = outputDirectory,
            PretrainedEncoderDirectory = encoder.ModelDirectory,
            FineTune = FineTuneWith(encoder.Network, epochs),
            Device = device,
        });
    }

    private static FineTuneOptions FineTuneWith(UNetOptions network, int? epochs) => new()
    {
        Network = network,
        Schedule = epochs is int e ? FineTuneOptions.DefaultSchedule with { Epochs = e } : FineTuneOptions.DefaultSchedule,
    };

    /// <summary>Fine-tunes a segmentation model with full control over the options.</summary>
    public SegmentationEstimator Segmentation(SegmentationEstimator.Options options) => new(_env, options);

    /// <summary>
    /// Wraps an existing ThighSeg model artifact folder (for example one written by <c>thighseg finetune</c>) as a
    /// <see cref="SegmentationTransformer"/>. The folder's files are copied: later changes to it do not affect the transformer.
    /// </summary>
    /// <param name="modelDirectory">Folder with <c>manifest.json</c> and weights of a segmentation model.</param>
    /// <param name="outputDirectory">Folder for predicted label maps, or null for a scratch folder.</param>
    /// <param name="imageColumnName">Input column of image paths (text).</param>
    /// <param name="predictedMaskColumnName">Output column of predicted label-map paths.</param>
    /// <param name="volumesColumnName">Output column of muscle volumes in mL.</param>
    /// <param name="flipTta">Average predictions over each slice and its left-right mirror (on by default, as in
    /// <see cref="ThighSeg.Torch.Inference.VolumePredictionOptions"/>, the estimator and <c>thighseg predict</c>).</param>
    /// <param name="device">Where to predict.</param>
    /// <exception cref="ModelFormatException">Missing, corrupt or encoder-only model.</exception>
    public SegmentationTransformer LoadSegmentationModel(
        string modelDirectory,
        string? outputDirectory = null,
        string imageColumnName = DefaultColumnNames.ImagePath,
        string predictedMaskColumnName = DefaultColumnNames.PredictedMaskPath,
        string volumesColumnName = DefaultColumnNames.MuscleVolumesMl,
        bool flipTta = true,
        ComputeDevice device = ComputeDevice.Auto)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectory);
        return new SegmentationTransformer(_env, ArtifactFiles.FromDirectory(modelDirectory),
            SegmentationEstimator.Options.Checked(imageColumnName, nameof(imageColumnName)),
            SegmentationEstimator.Options.Checked(predictedMaskColumnName, nameof(predictedMaskColumnName)),
            SegmentationEstimator.Options.Checked(volumesColumnName, nameof(volumesColumnName)),
            outputDirectory ?? Path.Combine(Path.GetTempPath(), "thighseg-predictions", Guid.NewGuid().ToString("N")),
            flipTta, Enum.IsDefined(device) ? device : throw new ArgumentOutOfRangeException(nameof(device), device, "Unknown device."));
    }
}
