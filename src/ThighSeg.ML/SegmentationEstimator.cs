using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using ThighSeg.ML.Internal;
using ThighSeg.Torch;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Training;

namespace ThighSeg.ML;

/// <summary>
/// Fine-tunes a ThighSeg segmentation U-Net from an <see cref="IDataView"/> with an image-path and a label-path column
/// (one labelled volume per row), optionally starting from a pretrained encoder, and returns a
/// <see cref="SegmentationTransformer"/>. Create it with <c>mlContext.ThighSeg().Segmentation(...)</c>.
/// </summary>
/// <remarks>
/// <para><see cref="Fit(IDataView)"/> reads every volume (NIfTI files or DICOM series folders), maps it to network space
/// with <see cref="Options.Preprocessing"/>, and trains with <see cref="UNetSegmenter"/> (<see cref="Options.FineTune"/>).
/// The label set is the set of values present in the label volumes; muscle names come from
/// <see cref="Options.LabelNames"/>, else from the label files' stored names.</para>
/// <para>Initialisation: <see cref="Options.PretrainedEncoderDirectory"/> when set; fitted on the output of a
/// <see cref="PretrainedEncoderTransformer"/> (the chain <c>PretrainEncoder(...).Append(Segmentation(...))</c>), the
/// encoder that chain just pretrained, which must have the same network options; otherwise random.</para>
/// <para>Seed: <see cref="Options.Seed"/> when set, otherwise drawn from the <see cref="MLContext"/>'s seeded random
/// source (so <c>new MLContext(seed: 1)</c> reproduces a CPU run exactly). Logging: progress and losses go to the
/// context's <c>Log</c> event. Cancellation: <c>mlContext.CancelExecution()</c> or the token passed to
/// <see cref="Fit(IDataView, CancellationToken)"/>; noticed at the next progress report.</para>
/// <para>Not thread-safe: one <see cref="Fit(IDataView)"/> at a time per instance.</para>
/// </remarks>
public sealed class SegmentationEstimator : IEstimator<SegmentationTransformer>
{
    private readonly IHost _host;

    /// <summary>Options of <see cref="SegmentationEstimator"/>. Immutable; each value is validated when set.</summary>
    public sealed record Options
    {
        /// <summary>Input column of image paths (text). Default <c>ImagePath</c>.</summary>
        public string ImageColumnName { get; init => field = Checked(value, nameof(ImageColumnName)); } = DefaultColumnNames.ImagePath;

        /// <summary>Input column of label-map paths (text), used by <see cref="Fit(IDataView)"/> only. Default <c>LabelPath</c>.</summary>
        public string LabelColumnName { get; init => field = Checked(value, nameof(LabelColumnName)); } = DefaultColumnNames.LabelPath;

        /// <summary>Output column of predicted label-map paths. Default <c>PredictedMaskPath</c>.</summary>
        public string PredictedMaskColumnName { get; init => field = Checked(value, nameof(PredictedMaskColumnName)); } = DefaultColumnNames.PredictedMaskPath;

        /// <summary>Output column of muscle volumes in mL. Default <c>MuscleVolumesMl</c>.</summary>
        public string VolumesColumnName { get; init => field = Checked(value, nameof(VolumesColumnName)); } = DefaultColumnNames.MuscleVolumesMl;

        /// <summary>Folder for predicted label maps, or null for a new folder under the system temp folder.</summary>
        public string? OutputDirectory { get; init; }

        /// <summary>Folder of a pretrained encoder artifact (for example <see cref="PretrainedEncoderTransformer.ModelDirectory"/>),
        /// or null to start from random initialisation. Its network options must equal <see cref="FineTuneOptions.Network"/>.</summary>
        public string? PretrainedEncoderDirectory { get; init; }

        /// <summary>Fine-tuning hyper-parameters (network, epochs, batch, learning rate, augmentation, validation split).
        /// Their <see cref="TrainingSchedule.Seed"/> is replaced by the seed chosen as described on <see cref="Seed"/>.</summary>
        public FineTuneOptions FineTune { get; init => field = value ?? throw new ArgumentNullException(nameof(FineTune)); } = new();

        /// <summary>Mapping of volumes to network space; stored with the model and reused for prediction.</summary>
        public PreprocessingOptions Preprocessing { get; init => field = Validated(value); } = PreprocessingOptions.Default;

        /// <summary>Seed of the run, or null (default) to draw one from the <see cref="MLContext"/>'s random source.</summary>
        public int? Seed { get; init; }

        /// <summary>Where to train and predict (default <see cref="ComputeDevice.Auto"/>: CUDA when available, else CPU).</summary>
        public ComputeDevice Device { get; init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Device), value, "Unknown device."); } = ComputeDevice.Auto;

        /// <summary>Average predictions over each slice and its left-right mirror (about twice the prediction time); on by
        /// default, as in <c>VolumePredictionOptions</c> and <c>thighseg predict</c>.</summary>
        public bool FlipTta { get; init; } = true;

        /// <summary>Muscle names by label value, or null to take the names stored in the label files (else <c>label_&lt;value&gt;</c>).</summary>
        public IReadOnlyDictionary<int, string>? LabelNames { get; init; }

        internal static string Checked(string value, string name) =>
            string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{name} must be a non-empty column name, got '{value}'.", name) : value;

        private static PreprocessingOptions Validated(PreprocessingOptions value)
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Preprocessing));
            value.Validate();
            return value;
        }
    }

    internal SegmentationEstimator(IHostEnvironment env, Options options)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        _host = env.Register(nameof(SegmentationEstimator));
        EstimatorOptions = options;
    }

    /// <summary>The options.</summary>
    public Options EstimatorOptions { get; }

    /// <summary>Checks the input columns and describes the output: the input plus the mask-path column (text) and the
    /// volumes column (a vector of <see cref="float"/> whose size is the number of muscles, known after fitting).</summary>
    /// <exception cref="SchemaMismatchException">The image or label column is missing or not text; the message names it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = EstimatorOptions;
        DataViewIO.CheckTextColumn(inputSchema, o.ImageColumnName, "image");
        DataViewIO.CheckTextColumn(inputSchema, o.LabelColumnName, "label");
        var added = new DataViewSchema.Builder();
        added.AddColumn(o.PredictedMaskColumnName, TextDataViewType.Instance);
        added.AddColumn(o.VolumesColumnName, new VectorDataViewType(NumberDataViewType.Single));
        var addedShape = MLNetBridge.SchemaShapeOf(added.ToSchema());
        return new SchemaShape(inputSchema.Where(c => c.Name != o.PredictedMaskColumnName && c.Name != o.VolumesColumnName).Concat(addedShape));
    }

    /// <summary>Fine-tunes on every row of <paramref name="input"/>.</summary>
    /// <exception cref="SchemaMismatchException">A column is missing, mistyped, or has an empty value.</exception>
    /// <exception cref="VolumeFormatException">An image or label file cannot be read.</exception>
    /// <exception cref="ThighSegException">Labels that do not match their image, or no foreground label.</exception>
    /// <exception cref="OperationCanceledException">The context's execution was cancelled.</exception>
    public SegmentationTransformer Fit(IDataView input) => Fit(input, CancellationToken.None);

    /// <summary>Fine-tunes on every row of <paramref name="input"/>, stopping between steps when <paramref name="cancellationToken"/> fires.</summary>
    /// <inheritdoc cref="Fit(IDataView)"/>
    public SegmentationTransformer Fit(IDataView input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = EstimatorOptions;
        TorchBackend.Initialize();
        using var ch = _host.Start("Fit");
        var rows = DataViewIO.ReadRows(input, [(o.ImageColumnName, "image"), (o.LabelColumnName, "label")], _host, "fine-tuning needs at least one labelled volume");
        string? encoderDirectory = EncoderDirectory(input, o);
        int seed = o.Seed ?? _host.Rand.Next();
        ch.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
            $"Fine-tuning on {rows.Count} labelled volume(s), seed {seed}, device {TorchBackend.Resolve(o.Device)}."));

        var preprocessor = new Preprocessor(o.Preprocessing);
        var ids = SubjectIds.Distinct(rows.Select(r => r[0]));
        var stacks = new List<SliceStack>();
        var names = new Dictionary<int, string>();
        for (int i = 0; i < rows.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = VolumeFormats.Default.Read(rows[i][0]).Image;
            var labelFile = VolumeFormats.Default.Read(rows[i][1]);
            var labels = VolumeSource.ToLabels(labelFile.Image, rows[i][1]);
            foreach (var (v, n) in labelFile.LabelNames ?? new Dictionary<int, string>())
            {
                names.TryAdd(v, n);
            }
            if (!labels.SameGeometry(image, 1e-3))
            {
                throw new ThighSegException($"Label map '{rows[i][1]}' ({labels.Shape}) does not match image '{rows[i][0]}' ({image.Shape}) in shape or affine.");
            }
            stacks.AddRange(preprocessor.Prepare(image, labels, ids[i]).Stacks);
        }
        if (o.LabelNames is not null)
        {
            foreach (var (v, n) in o.LabelNames)
            {
                names[v] = n;
            }
        }
        var present = new SortedSet<int>(stacks.SelectMany(s => s.Labels!)) { 0 };
        var classes = LabelMap.FromNames(present.Select(v => KeyValuePair.Create(v,
            names.TryGetValue(v, out string? n) ? n : v == 0 ? "background" : string.Create(CultureInfo.InvariantCulture, $"label_{v}"))));

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var segmenter = new UNetSegmenter(WithSeed(o.FineTune, seed), o.Device);
        var result = segmenter.FineTune(stacks, encoderDirectory, classes, checkpointDirectory: null,
            progress: new ChannelProgress(ch, _host, cts), cancellationToken: cts.Token);
        ArtifactFiles files;
        using (var model = result.Model)
        using (var scratch = new ScratchDirectory("fit"))
        {
            model.Save(scratch.Path, PreprocessingJson.ToJson(o.Preprocessing));
            files = ArtifactFiles.FromDirectory(scratch.Path);
        }
        ch.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
            $"Selected epoch {result.BestEpoch}{(result.BestValidationDice is double d ? $" (validation Dice {d:F4})" : "")}; classes {string.Join(", ", classes.Values)}."));
        string output = o.OutputDirectory ?? Path.Combine(Path.GetTempPath(), "thighseg-predictions", Guid.NewGuid().ToString("N"));
        return new SegmentationTransformer(_host, files, o.ImageColumnName, o.PredictedMaskColumnName, o.VolumesColumnName, output, o.FlipTta, o.Device);
    }

    /// <summary>
    /// The encoder to start from: <see cref="Options.PretrainedEncoderDirectory"/>, or the encoder carried by
    /// <paramref name="input"/> when it comes from a <see cref="PretrainedEncoderTransformer"/> (an estimator chain
    /// <c>PretrainEncoder(...).Append(Segmentation(...))</c>, also with other transforms appended between the two:
    /// the encoder is named by an annotation of the image column), checked against the fine-tuning network.
    /// </summary>
    /// <exception cref="ThighSegException">The carried encoder's network differs from <see cref="FineTuneOptions.Network"/>,
    /// or the options name another encoder folder.</exception>
    internal static string? EncoderDirectory(IDataView input, Options o)
    {
        if (CarriedEncoder(input, o.ImageColumnName) is not var (carriedDirectory, network))
        {
            return o.PretrainedEncoderDirectory;
        }
        if (o.PretrainedEncoderDirectory is string own && Path.GetFullPath(own) != Path.GetFullPath(carriedDirectory))
        {
            throw new ThighSegException(
                $"This segmentation estimator follows a pretrained encoder (an estimator chain PretrainEncoder(...).Append(Segmentation(...))) " +
                $"but its options name another encoder, PretrainedEncoderDirectory = '{own}'. Leave PretrainedEncoderDirectory null to fine-tune from the chain's encoder, or fit the segmentation estimator on its own.");
        }
        var a = network;
        var b = o.FineTune.Network;
        if (a != b)
        {
            throw new ThighSegException(string.Create(CultureInfo.InvariantCulture,
                $"Cannot fine-tune from the encoder pretrained earlier in this estimator chain: it has network F={a.BaseFilters}, depth {a.Depth}, {a.Norm} norm, {a.InChannels} channel(s), " +
                $"but FineTune.Network is F={b.BaseFilters}, depth {b.Depth}, {b.Norm} norm, {b.InChannels} channel(s). Give both estimators the same network options."));
        }
        return carriedDirectory;
    }

    /// <summary>
    /// The encoder (folder and network) that <paramref name="input"/> carries: the folder named by the
    /// <see cref="EncoderCarryingDataView.AnnotationName"/> annotation on a column (the image column first), which the
    /// view a <see cref="PretrainedEncoderTransformer"/> returns has and the transforms after it pass on; null when
    /// there is none.
    /// </summary>
    private static (string Directory, UNetOptions Network)? CarriedEncoder(IDataView input, string imageColumnName)
    {
        // The segmentation's image column first; then any column (the encoder may have read another image column).
        foreach (var column in input.Schema.Where(c => !c.IsHidden).OrderBy(c => c.Name == imageColumnName ? 0 : 1))
        {
            if (column.Annotations.Schema.GetColumnOrNull(EncoderCarryingDataView.AnnotationName) is not DataViewSchema.Column annotation)
            {
                continue;
            }
            ReadOnlyMemory<char> value = default;
            column.Annotations.GetValue(annotation.Name, ref value);
            string directory = value.ToString();
            if (!File.Exists(Path.Combine(directory, ModelArtifact.ManifestFile)))
            {
                throw new ThighSegException($"This segmentation estimator follows a pretrained encoder whose folder '{directory}' no longer exists (was the encoder transformer disposed before the chain was fitted?).");
            }
            return (directory, ModelArtifact.ReadManifest(directory).Network);
        }
        return null;
    }

    internal static FineTuneOptions WithSeed(FineTuneOptions f, int seed) => f with { Schedule = f.Schedule with { Seed = seed } };
}
