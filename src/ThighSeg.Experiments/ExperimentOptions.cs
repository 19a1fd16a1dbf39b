using System.Collections.ObjectModel;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Torch;

namespace ThighSeg.Experiments;

/// <summary>
/// Settings of a label-efficiency experiment: which initialisations to compare, at which labelled-set sizes, how often,
/// and the training budgets. Immutable; validated at construction.
/// </summary>
public sealed record ExperimentOptions
{
    /// <summary>Creates validated options.</summary>
    /// <param name="sizes">Labelled-set sizes S (distinct, at least 1).</param>
    /// <param name="methods">Initialisations to compare (distinct).</param>
    /// <param name="repeats">Different seeded draws of the labelled subjects per size (1..100).</param>
    /// <param name="pretrain">Pretraining settings; its method is overridden per pretrained initialisation.</param>
    /// <param name="fineTune">Fine-tuning settings (its validation fraction is ignored: validation subjects come from the splits).</param>
    /// <param name="preprocessing">Preprocessing between file and network space.</param>
    /// <param name="validationCount">Validation subjects held out of <c>train</c> for model selection (0 for none).</param>
    /// <param name="seed">Seed of splits, draws, initialisation and augmentation.</param>
    /// <param name="device">Compute device.</param>
    /// <param name="flipTta">Flip test-time augmentation when predicting test subjects.</param>
    /// <param name="keepLargestComponent">Largest-component clean-up of predictions.</param>
    /// <param name="pretrainedEncoders">Existing pretrained encoder folders to reuse instead of pretraining, per method.</param>
    public ExperimentOptions(
        IEnumerable<int> sizes,
        IEnumerable<InitMethod> methods,
        int repeats = 1,
        PretrainOptions? pretrain = null,
        FineTuneOptions? fineTune = null,
        PreprocessingOptions? preprocessing = null,
        int validationCount = 1,
        int seed = 0,
        ComputeDevice device = ComputeDevice.Auto,
        bool flipTta = false,
        bool keepLargestComponent = false,
        IReadOnlyDictionary<InitMethod, string>? pretrainedEncoders = null)
    {
        var s = (sizes ?? throw new ArgumentNullException(nameof(sizes))).ToArray();
        if (s.Length == 0 || s.Any(v => v < 1) || s.Distinct().Count() != s.Length)
        {
            throw new ArgumentException($"Sizes must be distinct positive integers, got [{string.Join(", ", s)}].", nameof(sizes));
        }
        var m = (methods ?? throw new ArgumentNullException(nameof(methods))).ToArray();
        if (m.Length == 0 || m.Distinct().Count() != m.Length || m.Any(v => !Enum.IsDefined(v)))
        {
            throw new ArgumentException($"Methods must be a non-empty list of distinct methods, got [{string.Join(", ", m)}].", nameof(methods));
        }
        if (repeats is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(repeats), repeats, "Repeats must be in [1, 100].");
        }
        if (validationCount is < 0 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(validationCount), validationCount, "Validation count must be in [0, 1000].");
        }
        Sizes = Array.AsReadOnly(s.Order().ToArray());
        Methods = Array.AsReadOnly(m);
        Repeats = repeats;
        Pretrain = pretrain ?? new PretrainOptions();
        FineTune = fineTune ?? new FineTuneOptions();
        Preprocessing = preprocessing ?? PreprocessingOptions.Default;
        Preprocessing.Validate();
        ValidationCount = validationCount;
        Seed = seed;
        Device = device;
        FlipTta = flipTta;
        KeepLargestComponent = keepLargestComponent;
        PretrainedEncoders = new ReadOnlyDictionary<InitMethod, string>(
            (pretrainedEncoders ?? new Dictionary<InitMethod, string>()).ToDictionary(kv => kv.Key, kv => Path.GetFullPath(kv.Value)));
    }

    /// <summary>Labelled-set sizes, ascending.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>Initialisations compared.</summary>
    public IReadOnlyList<InitMethod> Methods { get; }

    /// <summary>Seeded draws per size.</summary>
    public int Repeats { get; }

    /// <summary>Pretraining settings (the method is set per initialisation).</summary>
    public PretrainOptions Pretrain { get; }

    /// <summary>Fine-tuning settings.</summary>
    public FineTuneOptions FineTune { get; }

    /// <summary>Preprocessing.</summary>
    public PreprocessingOptions Preprocessing { get; }

    /// <summary>Validation subjects held out of <c>train</c>.</summary>
    public int ValidationCount { get; }

    /// <summary>The experiment seed.</summary>
    public int Seed { get; }

    /// <summary>Compute device.</summary>
    public ComputeDevice Device { get; }

    /// <summary>Flip test-time augmentation.</summary>
    public bool FlipTta { get; }

    /// <summary>Largest-component clean-up.</summary>
    public bool KeepLargestComponent { get; }

    /// <summary>Pretrained encoders to reuse, per method (absolute paths).</summary>
    public IReadOnlyDictionary<InitMethod, string> PretrainedEncoders { get; }
}
