using System.CommandLine;
using ThighSeg.Core.Abstractions;

namespace ThighSeg.Cli.Options;

/// <summary>
/// The fine-tuning flags, bound to <see cref="FineTuneOptions"/>: the schedule (<see cref="ScheduleFlags"/>, prefixed
/// <c>--finetune-</c> in verbs that also pretrain), <c>--encoder-lr-scale</c>, <c>--dice-weight</c>,
/// <c>--early-stopping</c>, <c>--validation</c> (held-out train subjects for model selection),
/// <c>--scale-steps-above</c> (the budget's growth with the training subjects) and
/// <c>--class-sampling</c> (class-aware slice sampling).
/// </summary>
internal sealed class FinetuneFlags
{
    /// <summary>Train subjects held out for model selection by default.</summary>
    public const int DefaultValidation = 1;

    private static readonly FineTuneOptions Defaults = new();

    public FinetuneFlags(string prefix = "")
    {
        Schedule = new ScheduleFlags(prefix, FineTuneOptions.DefaultSchedule, "Fine-tuning");
    }

    public ScheduleFlags Schedule { get; }

    public Option<double> EncoderLearningRateScale { get; } = new("--encoder-lr-scale")
    {
        Description = "Encoder learning rate relative to the decoder's, in [0, 1] (1: train all layers alike; 0: freeze the encoder).",
        DefaultValueFactory = _ => Defaults.EncoderLearningRateScale,
    };

    public Option<double> DiceWeight { get; } = new("--dice-weight") { Description = "Weight of the soft Dice term added to cross-entropy (0: cross-entropy only).", DefaultValueFactory = _ => Defaults.DiceWeight };

    public Option<int> EarlyStopping { get; } = new("--early-stopping") { Description = "Stop after this many validations without improvement (0: never; the best epoch is kept either way).", DefaultValueFactory = _ => 0 };

    public Option<int> Validation { get; } = new("--validation") { Description = "Train subjects held out for model selection (0: keep the last epoch).", DefaultValueFactory = _ => DefaultValidation };

    public Option<double> ClassSampling { get; } = new("--class-sampling")
    {
        Description = "Fraction of each batch drawn from slices containing a randomly chosen muscle (class-aware sampling of thin and rare muscles), in [0, 1]; 0: plain shuffles.",
        DefaultValueFactory = _ => Defaults.ClassAwareSampling,
    };

    public Option<int> ScaleStepsAbove { get; } = new("--scale-steps-above")
    {
        Description = "Above this many training subjects the fine-tuning steps per epoch grow in proportion to them (at 10 subjects twice the steps of 5); 0: a fixed schedule.",
        DefaultValueFactory = _ => Defaults.ScaleStepsAboveSubjects ?? 0,
    };

    public IEnumerable<Option> All => [.. Schedule.All, ScaleStepsAbove, EncoderLearningRateScale, DiceWeight, EarlyStopping, Validation, ClassSampling];

    public FineTuneOptions Bind(ParseResult parse, NetworkFlags network, UNetOptions? networkOverride = null)
    {
        double encoderLr = parse.GetValue(EncoderLearningRateScale);
        double dice = parse.GetValue(DiceWeight);
        int patience = parse.GetValue(EarlyStopping);
        if (patience < 0)
        {
            throw new UsageException($"{EarlyStopping.Name} {patience}: must be 0 (never) or positive.");
        }
        var o = new FineTuneOptions
        {
            Network = networkOverride ?? network.Network(parse),
            Augmentation = network.Augmentation(parse),
            Performance = network.Performance.Bind(parse),
            Schedule = Schedule.Bind(parse, network.SeedValue(parse)),
            ValidationFraction = 0,
            EarlyStoppingPatience = patience == 0 ? null : patience,
        };
        o = Flag.Bind(EncoderLearningRateScale, encoderLr, nameof(FineTuneOptions.EncoderLearningRateScale), () => o with { EncoderLearningRateScale = encoderLr });
        o = Flag.Bind(DiceWeight, dice, nameof(FineTuneOptions.DiceWeight), () => o with { DiceWeight = dice });
        int scaleAbove = parse.GetValue(ScaleStepsAbove);
        if (scaleAbove < 0)
        {
            throw new UsageException($"{ScaleStepsAbove.Name} {scaleAbove}: must be 0 (a fixed schedule) or positive.");
        }
        o = Flag.Bind(ScaleStepsAbove, scaleAbove, nameof(FineTuneOptions.ScaleStepsAboveSubjects), () => o with { ScaleStepsAboveSubjects = scaleAbove == 0 ? null : scaleAbove });
        double classSampling = parse.GetValue(ClassSampling);
        o = Flag.Bind(ClassSampling, classSampling, nameof(FineTuneOptions.ClassAwareSampling), () => o with { ClassAwareSampling = classSampling });
        return o;
    }

    public int ValidationCount(ParseResult parse)
    {
        int v = parse.GetValue(Validation);
        return v >= 0 ? v : throw new UsageException($"{Validation.Name} {v}: must be 0 or more.");
    }
}
