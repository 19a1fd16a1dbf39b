using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using ThighSeg.ML.Internal;
using ThighSeg.Torch;
using ThighSeg.Torch.Training;

namespace ThighSeg.ML;

/// <summary>
/// Self-supervised pretraining of a U-Net encoder (positional contrastive learning by default; GCL and SimCLR on request)
/// from an <see cref="IDataView"/> with an image-path column (unlabelled volumes, one per row). Returns a
/// <see cref="PretrainedEncoderTransformer"/> whose encoder initialises a <see cref="SegmentationEstimator"/>.
/// Create it with <c>mlContext.ThighSeg().PretrainEncoder(...)</c>.
/// </summary>
/// <remarks>
/// Seed, logging and cancellation follow the same conventions as <see cref="SegmentationEstimator"/>. With
/// <see cref="Options.OutputDirectory"/> set, a checkpoint is written there after every epoch and a later
/// <see cref="Fit(IDataView)"/> with the same options and data resumes from it. Not thread-safe.
/// </remarks>
public sealed class EncoderPretrainingEstimator : IEstimator<PretrainedEncoderTransformer>
{
    private readonly IHost _host;

    /// <summary>Options of <see cref="EncoderPretrainingEstimator"/>. Immutable; each value is validated when set.</summary>
    public sealed record Options
    {
        /// <summary>Input column of image paths (text). Default <c>ImagePath</c>.</summary>
        public string ImageColumnName { get; init => field = SegmentationEstimator.Options.Checked(value, nameof(ImageColumnName)); } = DefaultColumnNames.ImagePath;

        /// <summary>Folder for checkpoints and the encoder artifact (resumable), or null for a new scratch folder.</summary>
        public string? OutputDirectory { get; init; }

        /// <summary>Pretraining hyper-parameters (method, network, epochs, batch, learning rate, temperature, PCL threshold).
        /// Their <see cref="TrainingSchedule.Seed"/> is replaced by the seed chosen as described on <see cref="Seed"/>.</summary>
        public PretrainOptions Pretrain { get; init => field = value ?? throw new ArgumentNullException(nameof(Pretrain)); } = new();

        /// <summary>Mapping of volumes to network space (use the same for fine-tuning).</summary>
        public PreprocessingOptions Preprocessing { get; init { ArgumentNullException.ThrowIfNull(value, nameof(Preprocessing)); value.Validate(); field = value; } } = PreprocessingOptions.Default;

        /// <summary>Seed of the run, or null (default) to draw one from the <see cref="MLContext"/>'s random source.</summary>
        public int? Seed { get; init; }

        /// <summary>Where to train (default <see cref="ComputeDevice.Auto"/>).</summary>
        public ComputeDevice Device { get; init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Device), value, "Unknown device."); } = ComputeDevice.Auto;
    }

    internal EncoderPretrainingEstimator(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        _host = env.Register(nameof(EncoderPretrainingEstimator));
        EstimatorOptions = options;
    }

    /// <summary>The options.</summary>
    public Options EstimatorOptions { get; }

    /// <summary>Checks the image column; the output schema equals the input's (the transformer passes rows through).</summary>
    /// <exception cref="SchemaMismatchException">The image column is missing or not text; the message names it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        DataViewIO.CheckTextColumn(inputSchema, EstimatorOptions.ImageColumnName, "image");
        return inputSchema;
    }

    /// <summary>Pretrains on every row of <paramref name="input"/>.</summary>
    /// <exception cref="SchemaMismatchException">The image column is missing, mistyped, or has an empty value.</exception>
    /// <exception cref="VolumeFormatException">An image cannot be read.</exception>
    /// <exception cref="ThighSegException">Too few slices, or a checkpoint from other options in <see cref="Options.OutputDirectory"/>.</exception>
    /// <exception cref="OperationCanceledException">The context's execution was cancelled.</exception>
    public PretrainedEncoderTransformer Fit(IDataView input) => Fit(input, CancellationToken.None);

    /// <summary>Pretrains on every row of <paramref name="input"/>, stopping between steps when <paramref name="cancellationToken"/> fires.</summary>
    /// <inheritdoc cref="Fit(IDataView)"/>
    public PretrainedEncoderTransformer Fit(IDataView input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = EstimatorOptions;
        TorchBackend.Initialize();
        using var ch = _host.Start("Fit");
        var rows = DataViewIO.ReadRows(input, [(o.ImageColumnName, "image")], _host, "pretraining needs at least one volume");
        int seed = o.Seed ?? _host.Rand.Next();
        ch.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
            $"Pretraining ({o.Pretrain.Method}) on {rows.Count} volume(s), seed {seed}, device {TorchBackend.Resolve(o.Device)}."));
        var preprocessor = new Preprocessor(o.Preprocessing);
        var ids = SubjectIds.Distinct(rows.Select(r => r[0]));
        var stacks = new List<SliceStack>();
        for (int i = 0; i < rows.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            stacks.AddRange(preprocessor.Prepare(VolumeFormats.Default.Read(rows[i][0]).Image, null, ids[i]).Stacks);
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var scratch = o.OutputDirectory is null ? new ScratchDirectory("pretrain") : null;
        string dir = o.OutputDirectory ?? scratch!.Path;
        var pretrainer = new ContrastivePretrainer(WithSeed(o.Pretrain, seed), o.Device);
        var result = pretrainer.Pretrain(stacks, dir, new ChannelProgress(ch, _host, cts), cts.Token);
        ch.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture, $"Pretraining done: {result.Steps} steps, final loss {result.FinalLoss:F4}."));
        return new PretrainedEncoderTransformer(_host, ArtifactFiles.FromDirectory(dir), o.ImageColumnName, result.LossHistory);
    }

    internal static PretrainOptions WithSeed(PretrainOptions p, int seed) => p with { Schedule = p.Schedule with { Seed = seed } };
}
