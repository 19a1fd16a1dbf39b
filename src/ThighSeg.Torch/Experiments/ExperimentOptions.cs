using System.Collections.ObjectModel;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Preprocessing;

namespace ThighSeg.Torch.Experiments;

/// <summary>How a network is initialised before fine-tuning.</summary>
public enum InitMethod
{
    /// <summary>Random initialisation (no pretraining).</summary>
    Rnd,

    /// <summary>Positional contrastive pretraining.</summary>
    Pcl,

    /// <summary>Global contrastive pretraining with partitions.</summary>
    Gcl,

    /// <summary>SimCLR pretraining.</summary>
    SimClr,
}

/// <summary>Names of <see cref="InitMethod"/> as used on the command line and in result files.</summary>
public static class InitMethods
{
    /// <summary>The lower-case name: rnd, pcl, gcl, simclr.</summary>
    public static string Name(this InitMethod method) => method switch
    {
        InitMethod.Rnd => "rnd",
        InitMethod.Pcl => "pcl",
        InitMethod.Gcl => "gcl",
        InitMethod.SimClr => "simclr",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown method."),
    };

    /// <summary>Parses rnd, pcl, gcl or simclr (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other value.</exception>
    public static InitMethod Parse(string text) => text?.Trim().ToUpperInvariant() switch
    {
        "RND" or "RANDOM" => InitMethod.Rnd,
        "PCL" => InitMethod.Pcl,
        "GCL" => InitMethod.Gcl,
        "SIMCLR" => InitMethod.SimClr,
        _ => throw new ArgumentException($"Unknown method '{text}'; use rnd, pcl, gcl or simclr.", nameof(text)),
    };

    /// <summary>The contrastive method that pretrains for <paramref name="method"/>, or null for <see cref="InitMethod.Rnd"/>.</summary>
    public static ContrastiveMethod? Contrastive(this InitMethod method) => method switch
    {
        InitMethod.Pcl => ContrastiveMethod.Pcl,
        InitMethod.Gcl => ContrastiveMethod.Gcl,
        InitMethod.SimClr => ContrastiveMethod.SimClr,
        _ => null,
    };
}

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
        bool flipTta = true,
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

    /// <summary>Flip test-time augmentation when evaluating the test subjects; on by default, as in <c>predict</c> and
    /// <see cref="Inference.VolumePredictionOptions"/>.</summary>
    public bool FlipTta { get; }

    /// <summary>Largest-component clean-up.</summary>
    public bool KeepLargestComponent { get; }

    /// <summary>Pretrained encoders to reuse, per method (absolute paths).</summary>
    public IReadOnlyDictionary<InitMethod, string> PretrainedEncoders { get; }
}
