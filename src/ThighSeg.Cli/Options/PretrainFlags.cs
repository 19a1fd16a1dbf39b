using System.CommandLine;
using ThighSeg.Core.Abstractions;

namespace ThighSeg.Cli.Options;

/// <summary>
/// The pretraining flags, bound to <see cref="PretrainOptions"/>: the schedule (<see cref="ScheduleFlags"/>, prefixed
/// <c>--pretrain-</c> in verbs that also fine-tune), <c>--threshold</c> and <c>--embedding</c>.
/// </summary>
internal sealed class PretrainFlags
{
    private static readonly PretrainOptions Defaults = new();

    public PretrainFlags(string prefix = "")
    {
        Schedule = new ScheduleFlags(prefix, PretrainOptions.DefaultSchedule, "Pretraining");
    }

    public ScheduleFlags Schedule { get; }

    public Option<double> Threshold { get; } = new("--threshold") { Description = "PCL: positional threshold theta on |p_i - p_j|, in (0, 1].", DefaultValueFactory = _ => Defaults.Threshold };

    public Option<int> Embedding { get; } = new("--embedding") { Description = "Projection size D of the pretraining head.", DefaultValueFactory = _ => Defaults.EmbeddingDim };

    public IEnumerable<Option> All => [.. Schedule.All, Threshold, Embedding];

    public PretrainOptions Bind(ParseResult parse, NetworkFlags network, ContrastiveMethod method = ContrastiveMethod.Pcl)
    {
        double threshold = parse.GetValue(Threshold);
        int embedding = parse.GetValue(Embedding);
        var o = new PretrainOptions
        {
            Method = method,
            Network = network.Network(parse),
            Augmentation = network.Augmentation(parse),
            Performance = network.Performance.Bind(parse),
            Schedule = Schedule.Bind(parse, network.SeedValue(parse)),
        };
        o = Flag.Bind(Threshold, threshold, nameof(PretrainOptions.Threshold), () => o with { Threshold = threshold });
        o = Flag.Bind(Embedding, embedding, nameof(PretrainOptions.EmbeddingDim), () => o with { EmbeddingDim = embedding });
        if (o.Schedule.BatchSize < 2)
        {
            throw new UsageException($"{Schedule.Batch.Name} {o.Schedule.BatchSize}: contrastive pretraining needs at least 2 slices per batch.");
        }
        return o;
    }
}
