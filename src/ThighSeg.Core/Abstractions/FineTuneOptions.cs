using System.Text.Json.Serialization;

namespace ThighSeg.Core.Abstractions;

/// <summary>
/// Segmentation fine-tuning hyper-parameters: Adam and the <see cref="Schedule"/> (defaults: 12 epochs of 100 steps,
/// more above 5 training subjects (<see cref="ScaleStepsAboveSubjects"/>), 10 slices per batch, learning rate 3e-3
/// with per-step cosine decay to 3e-5, weight decay 1e-5), cross-entropy plus <see cref="DiceWeight"/> times soft
/// Dice, model selection on validation subjects (<see cref="ValidationFraction"/> of the training subjects when the
/// caller gives none) with optional early stopping. Defaults are ThighSeg's, measured on phantoms at CPU budgets
/// (docs/training.md), not the reference's (lr 5e-5, cross-entropy only). Immutable; every value is validated when
/// set, relations by <see cref="Validate"/>.
/// </summary>
public sealed record FineTuneOptions
{
    /// <summary>The default schedule of fine-tuning.</summary>
    public static TrainingSchedule DefaultSchedule { get; } = new()
    {
        Epochs = 12,
        StepsPerEpoch = 100,
        BatchSize = 10,
        LearningRate = 3e-3,
        MinLearningRate = 3e-5,
        WeightDecay = 1e-5,
    };

    /// <summary>U-Net configuration; must match the pretrained encoder's when one is used.</summary>
    public UNetOptions Network { get; init => field = value ?? throw new ArgumentNullException(nameof(Network)); } = new();

    /// <summary>Epochs, steps, batch, learning rates, weight decay, warm-up, seed, logging.</summary>
    public TrainingSchedule Schedule { get; init => field = value ?? throw new ArgumentNullException(nameof(Schedule)); } = DefaultSchedule;

    /// <summary>Weight of the soft Dice term added to cross-entropy, in [0, 1000]; 0 gives cross-entropy only.</summary>
    public double DiceWeight { get; init { Check.InRange(value, 0, 1000, nameof(DiceWeight)); field = value; } } = 1.0;

    /// <summary>Fraction of training subjects held out for model selection when no validation stacks are given, in
    /// [0, 0.9]. With fewer than two subjects, or 0, no validation is done and the last epoch is kept.</summary>
    public double ValidationFraction { get; init { Check.InRange(value, 0, 0.9, nameof(ValidationFraction)); field = value; } } = 0.2;

    /// <summary>Epochs between validations, in [1, 1,000,000] (the last epoch is always validated).</summary>
    public int ValidateEvery { get; init { Check.InRange(value, 1, 1_000_000, nameof(ValidateEvery)); field = value; } } = 1;

    /// <summary>Stop when this many validations in a row did not improve the best validation Dice; null (default) never
    /// stops early. The best weights are kept either way.</summary>
    public int? EarlyStoppingPatience
    {
        get;
        init
        {
            Check.InRangeOrNull(value, 1, 1_000_000, nameof(EarlyStoppingPatience));
            field = value;
        }
    }

    /// <summary>Training augmentation.</summary>
    public AugmentationOptions Augmentation { get; init => field = value ?? throw new ArgumentNullException(nameof(Augmentation)); } = new();

    /// <summary>
    /// Multiplies the learning rate of the encoder (the part a pretrained encoder initialises) relative to the decoder,
    /// in [0, 1]; 1 (the default) trains every layer alike, 0 freezes the encoder. Lower values keep more of a pretrained
    /// encoder when very few labelled subjects are available.
    /// </summary>
    public double EncoderLearningRateScale { get; init { Check.InRange(value, 0, 1, nameof(EncoderLearningRateScale)); field = value; } } = 1.0;

    /// <summary>
    /// Fraction of each training batch drawn class-aware, in [0, 1]: a foreground class chosen uniformly among those in
    /// the training slices, then a slice containing it (nnU-Net's foreground oversampling, per class), so thin and rare
    /// muscles are seen often enough. 0 (the default) keeps plain shuffles, so earlier results reproduce exactly.
    /// </summary>
    public double ClassAwareSampling { get; init { Check.InRange(value, 0, 1, nameof(ClassAwareSampling)); field = value; } }

    /// <summary>
    /// Above this many training subjects, <see cref="TrainingSchedule.StepsPerEpoch"/> grows in proportion to the number
    /// of training subjects (rounded up), so that each labelled subject keeps its share of the steps; null keeps the
    /// schedule fixed whatever the data, in [1, 1,000,000]. Default 5: the default 1,200 steps are used up to 5
    /// training subjects, 2,400 at 10, 9,600 at 40. Measured on two phantom families (docs/experiments.md): doubling
    /// the steps at 10 labelled subjects gained Dice, at 1 it did not (the validation subject's best epoch moved
    /// earlier). <see cref="ForTrainingSubjects"/> applies it; a schedule of one pass over all slices (null
    /// <see cref="TrainingSchedule.StepsPerEpoch"/>) already grows with the data and is left alone. Left out of the
    /// options' JSON when null, so the record of an applied budget equals that of a fixed schedule of the same steps.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ScaleStepsAboveSubjects
    {
        get;
        init
        {
            Check.InRangeOrNull(value, 1, 1_000_000, nameof(ScaleStepsAboveSubjects));
            field = value;
        }
    } = DefaultScaleStepsAboveSubjects;

    /// <summary>The default of <see cref="ScaleStepsAboveSubjects"/>.</summary>
    public const int DefaultScaleStepsAboveSubjects = 5;

    /// <summary>Precision, memory layout and cuDNN autotuning of the training steps (default fp32, channels-last, no autotuning).</summary>
    public PerformanceOptions Performance { get; init => field = value ?? throw new ArgumentNullException(nameof(Performance)); } = PerformanceOptions.Default;

    /// <summary>
    /// These options with the fine-tuning budget fixed for <paramref name="trainingSubjects"/> training subjects (not
    /// counting validation subjects): above <see cref="ScaleStepsAboveSubjects"/> subjects the steps per epoch become
    /// <c>ceil(StepsPerEpoch x trainingSubjects / ScaleStepsAboveSubjects)</c>; <see cref="ScaleStepsAboveSubjects"/> is
    /// null in the result, so applying it again changes nothing. What trains, and what a model or a study records, is
    /// the result.
    /// </summary>
    /// <param name="trainingSubjects">Training subjects, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="trainingSubjects"/> is below 1.</exception>
    public FineTuneOptions ForTrainingSubjects(int trainingSubjects)
    {
        Check.InRange(trainingSubjects, 1, int.MaxValue, nameof(trainingSubjects));
        if (ScaleStepsAboveSubjects is not int above)
        {
            return this;
        }
        var schedule = Schedule;
        if (Schedule.StepsPerEpoch is int steps && trainingSubjects > above)
        {
            long scaled = (((long)steps * trainingSubjects) + above - 1) / above;
            schedule = Schedule with { StepsPerEpoch = (int)Math.Min(scaled, TrainingSchedule.MaxStepsPerEpoch) };
        }
        return this with { Schedule = schedule, ScaleStepsAboveSubjects = null };
    }

    /// <summary>Checks relations between values (the schedule's learning rates).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A relation does not hold; the message names the values.</exception>
    public void Validate() => Schedule.Validate();
}
