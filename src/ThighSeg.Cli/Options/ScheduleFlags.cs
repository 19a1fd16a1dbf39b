using System.CommandLine;
using System.Globalization;
using ThighSeg.Core.Abstractions;

namespace ThighSeg.Cli.Options;

/// <summary>
/// The schedule flags of one training phase, bound to <see cref="TrainingSchedule"/>: <c>--epochs</c>,
/// <c>--steps-per-epoch</c> (0: one pass over the slices), <c>--batch</c>, <c>--lr</c>, <c>--min-lr</c>, <c>--warmup</c>.
/// A verb that trains one phase uses them as they are; a verb that runs both (experiment) prefixes them
/// (<c>--pretrain-epochs</c>, <c>--finetune-lr</c>, ...). Defaults are the library's (<see cref="PretrainOptions.DefaultSchedule"/>,
/// <see cref="FineTuneOptions.DefaultSchedule"/>), so the CLI and the library train alike.
/// </summary>
internal sealed class ScheduleFlags
{
    private readonly TrainingSchedule _defaults;

    public ScheduleFlags(string prefix, TrainingSchedule defaults, string phase)
    {
        _defaults = defaults;
        string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
        Epochs = new Option<int>($"--{prefix}epochs") { Description = $"{phase} epochs.", DefaultValueFactory = _ => defaults.Epochs };
        StepsPerEpoch = new Option<int>($"--{prefix}steps-per-epoch") { Description = $"{phase} steps per epoch (0: one pass over all slices).", DefaultValueFactory = _ => defaults.StepsPerEpoch ?? 0 };
        if (prefix.Length > 0)
        {
            StepsPerEpoch.Aliases.Add($"--{prefix}steps");
        }
        Batch = new Option<int>($"--{prefix}batch") { Description = $"{phase}: slices per batch.", DefaultValueFactory = _ => defaults.BatchSize };
        LearningRate = new Option<double>($"--{prefix}lr") { Description = Inv($"{phase}: peak learning rate (cosine decay per step to --{prefix}min-lr)."), DefaultValueFactory = _ => defaults.LearningRate };
        MinLearningRate = new Option<double>($"--{prefix}min-lr") { Description = $"{phase}: learning rate at the last step.", DefaultValueFactory = _ => defaults.MinLearningRate };
        Warmup = new Option<int>($"--{prefix}warmup") { Description = $"{phase}: steps of linear learning-rate warm-up (0: none).", DefaultValueFactory = _ => defaults.WarmupSteps };
    }

    public Option<int> Epochs { get; }

    public Option<int> StepsPerEpoch { get; }

    public Option<int> Batch { get; }

    public Option<double> LearningRate { get; }

    public Option<double> MinLearningRate { get; }

    public Option<int> Warmup { get; }

    public IEnumerable<Option> All => [Epochs, StepsPerEpoch, Batch, LearningRate, MinLearningRate, Warmup];

    /// <summary>The schedule the flags describe, with <paramref name="seed"/>.</summary>
    /// <exception cref="UsageException">A value is out of range (the message names the flag).</exception>
    public TrainingSchedule Bind(ParseResult parse, int seed)
    {
        var s = _defaults with { Seed = seed };
        int epochs = parse.GetValue(Epochs);
        s = Flag.Bind(Epochs, epochs, nameof(TrainingSchedule.Epochs), () => s with { Epochs = epochs });
        int steps = parse.GetValue(StepsPerEpoch);
        if (steps < 0)
        {
            throw new UsageException($"{StepsPerEpoch.Name} {steps}: must be 0 (one pass over all slices) or positive.");
        }
        s = Flag.Bind(StepsPerEpoch, steps, nameof(TrainingSchedule.StepsPerEpoch), () => s with { StepsPerEpoch = steps == 0 ? null : steps });
        int batch = parse.GetValue(Batch);
        s = Flag.Bind(Batch, batch, nameof(TrainingSchedule.BatchSize), () => s with { BatchSize = batch });
        double lr = parse.GetValue(LearningRate);
        s = Flag.Bind(LearningRate, lr, nameof(TrainingSchedule.LearningRate), () => s with { LearningRate = lr });
        double minLr = parse.GetValue(MinLearningRate);
        s = Flag.Bind(MinLearningRate, minLr, nameof(TrainingSchedule.MinLearningRate), () => s with { MinLearningRate = minLr });
        int warmup = parse.GetValue(Warmup);
        s = Flag.Bind(Warmup, warmup, nameof(TrainingSchedule.WarmupSteps), () => s with { WarmupSteps = warmup });
        if (s.MinLearningRate > s.LearningRate)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{MinLearningRate.Name} {s.MinLearningRate} is above {LearningRate.Name} {s.LearningRate}; the decay goes down to it."));
        }
        return s;
    }
}
