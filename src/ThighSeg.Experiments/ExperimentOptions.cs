using System.Collections.ObjectModel;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Torch;

namespace ThighSeg.Experiments;

/// <summary>
/// Settings of a label-efficiency experiment: which initialisations to compare, at which labelled-set sizes, how often,
/// and the training budgets. An immutable init-only record: every value is validated when set (the message names the
/// property and the value), so <c>with</c> works everywhere.
/// </summary>
public sealed record ExperimentOptions
{
    /// <summary>Labelled-set sizes S, ascending (distinct, at least 1). Default 1, 2, 5, 10, 20, 30, 40.</summary>
    /// <exception cref="ArgumentException">Empty, a size below 1, or a repeated size.</exception>
    public IReadOnlyList<int> Sizes
    {
        get;
        init
        {
            var s = (value ?? throw new ArgumentNullException(nameof(Sizes))).ToArray();
            if (s.Length == 0 || s.Any(v => v < 1) || s.Distinct().Count() != s.Length)
            {
                throw new ArgumentException($"{nameof(Sizes)} must be distinct positive integers, got [{string.Join(", ", s)}].", nameof(Sizes));
            }
            field = Array.AsReadOnly(s.Order().ToArray());
        }
    } = Array.AsReadOnly(new[] { 1, 2, 5, 10, 20, 30, 40 });

    /// <summary>Initialisations compared (distinct), in report order. Default rnd, pcl.</summary>
    /// <exception cref="ArgumentException">Empty, a repeated or an unknown method.</exception>
    public IReadOnlyList<InitMethod> Methods
    {
        get;
        init
        {
            var m = (value ?? throw new ArgumentNullException(nameof(Methods))).ToArray();
            if (m.Length == 0 || m.Distinct().Count() != m.Length || m.Any(v => !Enum.IsDefined(v)))
            {
                throw new ArgumentException($"{nameof(Methods)} must be a non-empty list of distinct methods, got [{string.Join(", ", m)}].", nameof(Methods));
            }
            field = Array.AsReadOnly(m);
        }
    } = Array.AsReadOnly(new[] { InitMethod.Rnd, InitMethod.Pcl });

    /// <summary>Different seeded draws of the labelled subjects per size, in [1, 100]. Default 1.</summary>
    public int Repeats
    {
        get;
        init => field = value is >= 1 and <= 100 ? value : throw new ArgumentOutOfRangeException(nameof(Repeats), value, $"{nameof(Repeats)} must be in [1, 100].");
    } = 1;

    /// <summary>Pretraining settings; the method is set per pretrained initialisation.</summary>
    public PretrainOptions Pretrain { get; init => field = value ?? throw new ArgumentNullException(nameof(Pretrain)); } = new();

    /// <summary>Fine-tuning settings (its validation fraction is ignored: validation subjects come from the splits; the seed is set per run).</summary>
    public FineTuneOptions FineTune { get; init => field = value ?? throw new ArgumentNullException(nameof(FineTune)); } = new();

    /// <summary>Preprocessing between file and network space (validated when set).</summary>
    public PreprocessingOptions Preprocessing
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Preprocessing));
            value.Validate();
            field = value;
        }
    } = PreprocessingOptions.Default;

    /// <summary>The default of <see cref="PretrainDownsampling"/> (and of the CLI's <c>--pretrain-downsample</c> and
    /// <c>pretrain --downsample</c>): 2.</summary>
    public const int DefaultPretrainDownsampling = 2;

    /// <summary>
    /// Pretraining runs on a grid this many times coarser than <see cref="Preprocessing"/>'s, over the same field of view
    /// (<see cref="PreprocessingOptions.Coarsened"/>), in [1, 8]; fine-tuning and evaluation stay on
    /// <see cref="Preprocessing"/>'s grid, and the encoder's convolutions carry over unchanged (the network is fully
    /// convolutional). Default <see cref="DefaultPretrainDownsampling"/>: on both phantom families at one labelled
    /// subject it cost PCL nothing significant (thigh −0.011, p = 0.25) and gained on the other (contour +0.025,
    /// p = 0.039) against pretraining on the fine-tuning grid, at a sixth of the pretraining time
    /// (docs/experiments.md, third run). 1 pretrains on the fine-tuning grid (every study before 2026-12-07 evening).
    /// </summary>
    public int PretrainDownsampling
    {
        get;
        init => field = value is >= 1 and <= 8 ? value : throw new ArgumentOutOfRangeException(nameof(PretrainDownsampling), value, $"{nameof(PretrainDownsampling)} must be in [1, 8], got {value}.");
    } = DefaultPretrainDownsampling;

    /// <summary>The preprocessing of the pretrainings: <see cref="Preprocessing"/> coarsened by <see cref="PretrainDownsampling"/>
    /// (by less where the coarser spacing would exceed 20 mm; <see cref="PreprocessingOptions.Coarsened"/>).</summary>
    public PreprocessingOptions PretrainPreprocessing => Preprocessing.Coarsened(PretrainDownsampling, Pretrain.Network.SizeMultiple);

    /// <summary>Validation subjects held out of <c>train</c> for model selection, in [0, 1000] (0 for none). Default 1.</summary>
    public int ValidationCount
    {
        get;
        init => field = value is >= 0 and <= 1000 ? value : throw new ArgumentOutOfRangeException(nameof(ValidationCount), value, $"{nameof(ValidationCount)} must be in [0, 1000].");
    } = 1;

    /// <summary>Seed of splits, draws, initialisation and augmentation.</summary>
    public int Seed { get; init; }

    /// <summary>Compute device of the default trainers and of prediction.</summary>
    public ComputeDevice Device
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Device), value, "Unknown device.");
    } = ComputeDevice.Auto;

    /// <summary>Flip test-time augmentation when predicting test subjects; on by default, as in <c>predict</c> and
    /// <see cref="ThighSeg.Torch.Inference.VolumePredictionOptions"/>.</summary>
    public bool FlipTta { get; init; } = true;

    /// <summary>Largest-component clean-up of predictions.</summary>
    public bool KeepLargestComponent { get; init; }

    /// <summary>Existing pretrained encoder folders to reuse instead of pretraining, per method (stored as absolute paths).</summary>
    /// <exception cref="ArgumentException"><see cref="InitMethod.Rnd"/> given an encoder, or an empty path.</exception>
    public IReadOnlyDictionary<InitMethod, string> PretrainedEncoders
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(PretrainedEncoders));
            if (value.Any(kv => kv.Key == InitMethod.Rnd || !Enum.IsDefined(kv.Key) || string.IsNullOrWhiteSpace(kv.Value)))
            {
                throw new ArgumentException($"{nameof(PretrainedEncoders)} takes pcl, gcl or simclr with a folder each, got [{string.Join(", ", value.Select(kv => $"{kv.Key}={kv.Value}"))}].", nameof(PretrainedEncoders));
            }
            field = new ReadOnlyDictionary<InitMethod, string>(value.ToDictionary(kv => kv.Key, kv => Path.GetFullPath(kv.Value)));
        }
    } = new ReadOnlyDictionary<InitMethod, string>(new Dictionary<InitMethod, string>());
}
