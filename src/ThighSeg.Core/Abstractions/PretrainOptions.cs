using System.Text.Json.Serialization;

namespace ThighSeg.Core.Abstractions;

/// <summary>
/// Encoder pretraining hyper-parameters: SGD with momentum and the <see cref="Schedule"/> (defaults: 15 epochs of 100
/// steps, 32 slices per batch, i.e. 64 views, learning rate 0.1 with per-step cosine decay to 0, weight decay 1e-5),
/// temperature 0.1 (base 0.07), 128-dimensional embeddings, PCL threshold 0.1 on positions from the scanner's z
/// (<see cref="Positions"/>). The optimiser, temperatures and batch
/// follow the reference code (dewenzeng/positional_cl); the budget and embedding size are ThighSeg's CPU defaults
/// (1,500 steps: the budget at which PCL helped in the measured studies, docs/training.md). Immutable; every value is
/// validated when set, relations by <see cref="Validate"/>.
/// </summary>
public sealed record PretrainOptions
{
    /// <summary>The default schedule of pretraining.</summary>
    public static TrainingSchedule DefaultSchedule { get; } = new()
    {
        Epochs = 15,
        StepsPerEpoch = 100,
        BatchSize = 32,
        LearningRate = 0.1,
        MinLearningRate = 0,
        WeightDecay = 1e-5,
    };

    /// <summary>Contrastive method.</summary>
    public ContrastiveMethod Method
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Method), value, "Unknown contrastive method.");
    } = ContrastiveMethod.Pcl;

    /// <summary>U-Net configuration (its encoder is what gets pretrained).</summary>
    public UNetOptions Network { get; init => field = value ?? throw new ArgumentNullException(nameof(Network)); } = new();

    /// <summary>D, output size of the projection head, in [1, 65,536].</summary>
    public int EmbeddingDim { get; init { Check.InRange(value, 1, 65536, nameof(EmbeddingDim)); field = value; } } = 128;

    /// <summary>Epochs, steps, batch (slices; each gives two views), learning rates, weight decay, warm-up, seed, logging.</summary>
    public TrainingSchedule Schedule { get; init => field = value ?? throw new ArgumentNullException(nameof(Schedule)); } = DefaultSchedule;

    /// <summary>SGD momentum in [0, 1).</summary>
    public double Momentum { get; init { Check.InRange(value, 0, 0.999999, nameof(Momentum)); field = value; } } = 0.9;

    /// <summary>tau: cosine similarities are divided by it.</summary>
    public double Temperature { get; init { Check.Positive(value, nameof(Temperature)); field = value; } } = 0.1;

    /// <summary>tau_base: the loss is scaled by tau / tau_base.</summary>
    public double BaseTemperature { get; init { Check.Positive(value, nameof(BaseTemperature)); field = value; } } = 0.07;

    /// <summary>PCL: theta, slices whose positions differ by less than this are positives, in (0, 1].</summary>
    public double Threshold { get; init { Check.InRange(value, 1e-9, 1, nameof(Threshold)); field = value; } } = 0.1;

    /// <summary>PCL: hard positives (|Δp| &lt; <see cref="Threshold"/>, the reference and the default) or soft positives
    /// weighted by <c>exp(−(Δp)²/(2·<see cref="Sigma"/>²))</c> (WSP).</summary>
    public PositivePairs Positives
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Positives), value, "Positives must be Hard or Soft.");
    } = PositivePairs.Hard;

    /// <summary>PCL with soft positives: sigma of the Gaussian kernel on position differences, in (0, 1]; default 0.1
    /// (a pair at Δp = theta = 0.1 then weighs 0.61). Not measured yet; the study sweeps it.</summary>
    public double Sigma { get; init { Check.InRange(value, 1e-6, 1, nameof(Sigma)); field = value; } } = 0.1;

    /// <summary>
    /// PCL: where slice positions come from. Default <see cref="PositionSource.ScannerZ"/> (the scanner's z scaled over
    /// the pretraining set: positives are slices at similar table positions, which holds when scans cover different
    /// ranges of the thigh); <see cref="PositionSource.SliceIndex"/> is the paper's <c>(k + 1) / K</c> within each scan
    /// and what every ThighSeg version before 2026-12-07 used. Measured in docs/experiments.md. GCL's partitions and
    /// SimCLR do not use it. Omitted from the JSON of the options when SliceIndex, so records written before the option
    /// existed still describe the same settings.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public PositionSource Positions
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Positions), value, "Positions must be SliceIndex or ScannerZ.");
    } = PositionSource.ScannerZ;

    /// <summary>GCL: equal partitions along z, in [1, 1000].</summary>
    public int Partitions { get; init { Check.InRange(value, 1, 1000, nameof(Partitions)); field = value; } } = 4;

    /// <summary>
    /// Collapse restarts, in [0, 10] (default 2): when the epoch-mean loss stays within 0.5 % of the collapse loss
    /// (<see cref="PretrainResult.CollapseLoss"/>) at the end of any epoch from <see cref="CollapseCheckEpochs"/> on,
    /// the attempt stops and pretraining starts again from scratch with a seed derived from the given one and the
    /// learning rates multiplied by <see cref="CollapseLearningRateFactor"/> (per restart). The last attempt always
    /// trains to the end. Runs that do not collapse are unchanged. 0 only detects (the result reports it).
    /// </summary>
    public int CollapseRestarts { get; init { Check.InRange(value, 0, 10, nameof(CollapseRestarts)); field = value; } } = 2;

    /// <summary>Warm-up window of the collapse check: epochs trained before a collapse is acted on, in [1, 1,000,000]; default 2.</summary>
    public int CollapseCheckEpochs { get; init { Check.InRange(value, 1, 1_000_000, nameof(CollapseCheckEpochs)); field = value; } } = 2;

    /// <summary>Factor on the learning rates of each restart after a collapse, in (0, 1]; default 0.5.</summary>
    public double CollapseLearningRateFactor { get; init { Check.InRange(value, 1e-6, 1, nameof(CollapseLearningRateFactor)); field = value; } } = 0.5;

    /// <summary>View augmentation.</summary>
    public AugmentationOptions Augmentation { get; init => field = value ?? throw new ArgumentNullException(nameof(Augmentation)); } = new();

    /// <summary>Precision, memory layout and cuDNN autotuning of the training steps (default fp32, channels-last, no autotuning).</summary>
    public PerformanceOptions Performance { get; init => field = value ?? throw new ArgumentNullException(nameof(Performance)); } = PerformanceOptions.Default;

    /// <summary>Checks relations between values (the schedule's learning rates; at least 2 slices per batch).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A relation does not hold; the message names the values.</exception>
    public void Validate()
    {
        Schedule.Validate();
        if (Schedule.BatchSize < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(Schedule), Schedule.BatchSize, $"Contrastive pretraining needs at least 2 slices per batch, got {Schedule.BatchSize}.");
        }
    }
}
