using System.CommandLine;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;

namespace ThighSeg.Cli.Options;

/// <summary>
/// The pretraining flags, bound to <see cref="PretrainOptions"/>: the schedule (<see cref="ScheduleFlags"/>, prefixed
/// <c>--pretrain-</c> in verbs that also fine-tune), <c>--threshold</c> (alias <c>--theta</c>), <c>--positives hard|soft</c>,
/// <c>--sigma</c>, <c>--positions scanner|index</c>, <c>--embedding</c> and <c>--collapse-restarts</c>.
/// </summary>
internal sealed class PretrainFlags
{
    private static readonly PretrainOptions Defaults = new();

    public PretrainFlags(string prefix = "")
    {
        Schedule = new ScheduleFlags(prefix, PretrainOptions.DefaultSchedule, "Pretraining");
    }

    public ScheduleFlags Schedule { get; }

    public Option<double> Threshold { get; } = new("--threshold", "--theta") { Description = "PCL: positional threshold theta on |p_i - p_j|, in (0, 1] (hard positives).", DefaultValueFactory = _ => Defaults.Threshold };

    public Option<string> Positives { get; } = new("--positives") { Description = "PCL positives: hard (|p_i - p_j| < theta, the reference) or soft (weights exp(-(p_i - p_j)^2 / (2 sigma^2)), WSP).", DefaultValueFactory = _ => Defaults.Positives.ToString().ToLowerInvariant() };

    public Option<double> Sigma { get; } = new("--sigma") { Description = "PCL with --positives soft: sigma of the position kernel, in (0, 1].", DefaultValueFactory = _ => Defaults.Sigma };

    public Option<string> Positions { get; } = new Option<string>("--positions") { Description = "PCL slice positions: scanner (the scanner's z, scaled over the unlabelled set: equal table positions are positives even when scans cover different ranges) or index ((k + 1) / K within each scan, the paper's; for files whose origin was lost).", DefaultValueFactory = _ => Defaults.Positions == PositionSource.ScannerZ ? "scanner" : "index" }.AcceptOnlyFromAmong("scanner", "index");

    /// <summary><see cref="SlicePositions.IsolationRemedy"/> in the CLI's terms.</summary>
    public const string IsolationRemedy = "If their origins were reset or come from another positioning, pass --positions index.";

    public Option<int> Embedding { get; } = new("--embedding") { Description = "Projection size D of the pretraining head.", DefaultValueFactory = _ => Defaults.EmbeddingDim };

    public Option<int> CollapseRestarts { get; } = new("--collapse-restarts") { Description = "Restarts (another seed, half the learning rate) when the pretraining collapses, detected after 2 epochs (0: only report it).", DefaultValueFactory = _ => Defaults.CollapseRestarts };

    public IEnumerable<Option> All => [.. Schedule.All, Threshold, Positives, Sigma, Positions, Embedding, CollapseRestarts];

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
        string positives = parse.GetValue(Positives) ?? "";
        o = positives.ToLowerInvariant() switch
        {
            "hard" => o with { Positives = PositivePairs.Hard },
            "soft" => o with { Positives = PositivePairs.Soft },
            _ => throw new UsageException($"{Positives.Name} {positives}: must be hard or soft."),
        };
        o = o with { Positions = parse.GetValue(Positions) == "index" ? PositionSource.SliceIndex : PositionSource.ScannerZ };
        int restarts = parse.GetValue(CollapseRestarts);
        o = Flag.Bind(CollapseRestarts, restarts, nameof(PretrainOptions.CollapseRestarts), () => o with { CollapseRestarts = restarts });
        double sigma = parse.GetValue(Sigma);
        o = Flag.Bind(Sigma, sigma, nameof(PretrainOptions.Sigma), () => o with { Sigma = sigma });
        if (o.Schedule.BatchSize < 2)
        {
            throw new UsageException($"{Schedule.Batch.Name} {o.Schedule.BatchSize}: contrastive pretraining needs at least 2 slices per batch.");
        }
        return o;
    }
}
