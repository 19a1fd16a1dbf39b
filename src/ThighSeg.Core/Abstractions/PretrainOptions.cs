namespace ThighSeg.Core.Abstractions;

/// <summary>Self-supervised pretraining method.</summary>
public enum ContrastiveMethod
{
    /// <summary>Positional contrastive learning: positives are slices whose normalised positions differ by less than the threshold.</summary>
    Pcl,

    /// <summary>Global contrastive learning, partition strategy: positives are slices in the same of <c>P</c> equal partitions along z.</summary>
    Gcl,

    /// <summary>SimCLR: the only positive is the other view of the same slice.</summary>
    SimClr,
}

/// <summary>
/// Encoder pretraining hyper-parameters. Defaults follow the reference code (dewenzeng/positional_cl): SGD with
/// momentum 0.9, learning rate 0.1 with per-iteration cosine decay to 0, weight decay 1e-5, temperature 0.1 (base 0.07),
/// 32 slices per batch (64 views), 512-dimensional embeddings, 300 epochs. Immutable; validated at construction.
/// </summary>
public sealed record PretrainOptions
{
    /// <summary>Creates the options; every argument is validated.</summary>
    /// <param name="method">Contrastive method.</param>
    /// <param name="network">U-Net configuration (its encoder is what gets pretrained); null gives the defaults.</param>
    /// <param name="embeddingDim">D, output size of the projection head.</param>
    /// <param name="epochs">Epochs; one epoch is <paramref name="stepsPerEpoch"/> steps, or one pass over all slices when that is null.</param>
    /// <param name="stepsPerEpoch">Fixed number of steps per epoch (batches are drawn from a reshuffled stream of all slices), or null.</param>
    /// <param name="batchSize">Slices per batch; each contributes two augmented views.</param>
    /// <param name="learningRate">Initial SGD learning rate; decays to 0 with a per-iteration cosine.</param>
    /// <param name="momentum">SGD momentum in [0, 1).</param>
    /// <param name="weightDecay">SGD weight decay.</param>
    /// <param name="temperature">tau, cosine similarities are divided by it.</param>
    /// <param name="baseTemperature">tau_base; the loss is scaled by tau / tau_base.</param>
    /// <param name="threshold">PCL: theta, positions closer than this are positives, in (0, 1].</param>
    /// <param name="partitions">GCL: number of equal partitions along z.</param>
    /// <param name="augmentation">View augmentation; null gives the reference recipe.</param>
    /// <param name="seed">Seed of initialisation, sampling and augmentation; the same seed reproduces a CPU run exactly.</param>
    /// <param name="logInterval">Steps between loss reports (the only host synchronisations in the loop).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public PretrainOptions(
        ContrastiveMethod method = ContrastiveMethod.Pcl,
        UNetOptions? network = null,
        int embeddingDim = 512,
        int epochs = 300,
        int? stepsPerEpoch = null,
        int batchSize = 32,
        double learningRate = 0.1,
        double momentum = 0.9,
        double weightDecay = 1e-5,
        double temperature = 0.1,
        double baseTemperature = 0.07,
        double threshold = 0.1,
        int partitions = 4,
        AugmentationOptions? augmentation = null,
        int seed = 0,
        int logInterval = 10)
    {
        if (!Enum.IsDefined(method))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown contrastive method.");
        }
        Check.InRange(embeddingDim, 1, 65536, nameof(embeddingDim));
        Check.InRange(epochs, 1, 1_000_000, nameof(epochs));
        if (stepsPerEpoch is int spe)
        {
            Check.InRange(spe, 1, 10_000_000, nameof(stepsPerEpoch));
        }
        Check.InRange(batchSize, 2, 65536, nameof(batchSize));
        Check.Positive(learningRate, nameof(learningRate));
        Check.InRange(momentum, 0, 0.999999, nameof(momentum));
        Check.NonNegative(weightDecay, nameof(weightDecay));
        Check.Positive(temperature, nameof(temperature));
        Check.Positive(baseTemperature, nameof(baseTemperature));
        Check.InRange(threshold, 1e-9, 1, nameof(threshold));
        Check.InRange(partitions, 1, 1000, nameof(partitions));
        Check.InRange(logInterval, 1, 1_000_000, nameof(logInterval));
        Method = method;
        Network = network ?? new UNetOptions();
        EmbeddingDim = embeddingDim;
        Epochs = epochs;
        StepsPerEpoch = stepsPerEpoch;
        BatchSize = batchSize;
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Temperature = temperature;
        BaseTemperature = baseTemperature;
        Threshold = threshold;
        Partitions = partitions;
        Augmentation = augmentation ?? new AugmentationOptions();
        Seed = seed;
        LogInterval = logInterval;
    }

    /// <summary>Contrastive method.</summary>
    public ContrastiveMethod Method
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Method), value, "Unknown contrastive method.");
    }

    /// <summary>U-Net configuration.</summary>
    public UNetOptions Network { get; }

    /// <summary>Projection output size D.</summary>
    public int EmbeddingDim { get; }

    /// <summary>Epochs.</summary>
    public int Epochs { get; }

    /// <summary>Fixed steps per epoch, or null for one pass over all slices.</summary>
    public int? StepsPerEpoch { get; }

    /// <summary>Slices per batch (2x views).</summary>
    public int BatchSize { get; }

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; }

    /// <summary>Weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>tau.</summary>
    public double Temperature { get; }

    /// <summary>tau_base.</summary>
    public double BaseTemperature { get; }

    /// <summary>PCL threshold theta.</summary>
    public double Threshold { get; }

    /// <summary>GCL partitions.</summary>
    public int Partitions { get; }

    /// <summary>View augmentation.</summary>
    public AugmentationOptions Augmentation { get; }

    /// <summary>Seed.</summary>
    public int Seed { get; init; }

    /// <summary>Steps between loss reports.</summary>
    public int LogInterval { get; }
}
