using System.Globalization;

namespace ThighSeg.Core.Abstractions;

/// <summary>
/// The optimisation schedule shared by pretraining and fine-tuning: epochs of <see cref="StepsPerEpoch"/> batches of
/// <see cref="BatchSize"/> slices, the learning rate warmed up linearly over <see cref="WarmupSteps"/> steps and then
/// decayed per step with a cosine from <see cref="LearningRate"/> to <see cref="MinLearningRate"/>, weight decay, the seed
/// of everything random (initialisation, sampling, augmentation, splits) and the logging interval. Immutable; every value
/// is validated when set, the relation between the two learning rates by <see cref="Validate"/>.
/// </summary>
public sealed record TrainingSchedule
{
    /// <summary>Epochs, in [1, 1,000,000].</summary>
    public int Epochs { get; init { Check.InRange(value, 1, 1_000_000, nameof(Epochs)); field = value; } } = 10;

    /// <summary>The largest <see cref="StepsPerEpoch"/>.</summary>
    public const int MaxStepsPerEpoch = 10_000_000;

    /// <summary>Fixed batches per epoch, drawn from chained seeded shuffles; null for one pass over all slices, in [1, <see cref="MaxStepsPerEpoch"/>].</summary>
    public int? StepsPerEpoch
    {
        get;
        init
        {
            Check.InRangeOrNull(value, 1, MaxStepsPerEpoch, nameof(StepsPerEpoch));
            field = value;
        }
    } = 100;

    /// <summary>Slices per batch, in [1, 65,536] (contrastive pretraining needs at least 2; each slice gives two views).</summary>
    public int BatchSize { get; init { Check.InRange(value, 1, 65536, nameof(BatchSize)); field = value; } } = 10;

    /// <summary>Peak learning rate (after warm-up), positive.</summary>
    public double LearningRate { get; init { Check.Positive(value, nameof(LearningRate)); field = value; } } = 1e-3;

    /// <summary>Learning rate at the last step of the cosine decay, in [0, <see cref="LearningRate"/>].</summary>
    public double MinLearningRate { get; init { Check.NonNegative(value, nameof(MinLearningRate)); field = value; } }

    /// <summary>Weight decay (L2, as in PyTorch's SGD and Adam), non-negative.</summary>
    public double WeightDecay { get; init { Check.NonNegative(value, nameof(WeightDecay)); field = value; } } = 1e-5;

    /// <summary>Steps of linear learning-rate warm-up from <c>LearningRate / (WarmupSteps + 1)</c> to <see cref="LearningRate"/>; 0 for none.</summary>
    public int WarmupSteps { get; init { Check.InRange(value, 0, 10_000_000, nameof(WarmupSteps)); field = value; } }

    /// <summary>Seed of initialisation, sampling, augmentation and splits; the same seed reproduces a CPU run exactly for
    /// the same thread count.</summary>
    public int Seed { get; init; }

    /// <summary>Steps between loss reports (each needs one host synchronisation), in [1, 1,000,000].</summary>
    public int LogInterval { get; init { Check.InRange(value, 1, 1_000_000, nameof(LogInterval)); field = value; } } = 20;

    /// <summary>Checks the relations between values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="MinLearningRate"/> exceeds <see cref="LearningRate"/>.</exception>
    public void Validate()
    {
        if (MinLearningRate > LearningRate)
        {
            throw new ArgumentOutOfRangeException(nameof(MinLearningRate), MinLearningRate, string.Create(CultureInfo.InvariantCulture,
                $"MinLearningRate must be at most LearningRate ({LearningRate}), got {MinLearningRate}."));
        }
    }

    /// <summary>
    /// The learning rate of step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>: linear warm-up over
    /// the first <see cref="WarmupSteps"/> steps, then cosine decay to <see cref="MinLearningRate"/> over the rest
    /// (step 0 of the decay uses <see cref="LearningRate"/>).
    /// </summary>
    public double LearningRateAt(long step, long totalSteps)
    {
        if (step < WarmupSteps)
        {
            return LearningRate * (step + 1) / (WarmupSteps + 1);
        }
        long decaySteps = totalSteps - WarmupSteps;
        if (decaySteps <= 0)
        {
            return LearningRate;
        }
        double t = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return MinLearningRate + ((LearningRate - MinLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * t)));
    }
}
