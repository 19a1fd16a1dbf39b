using System.CommandLine;
using System.Globalization;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Torch;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;

namespace ThighSeg.Cli.Options;

/// <summary>
/// The flags every training verb shares, with one name and one default each: network (<c>--filters</c>, <c>--norm</c>),
/// preprocessing (<c>--size</c>, <c>--spacing</c>, <c>--plan auto|off</c>), augmentation (<c>--flip</c>), <c>--seed</c>,
/// <c>--device</c> and the <see cref="PerformanceFlags"/>.
/// </summary>
internal sealed class NetworkFlags
{
    /// <summary>The network-space slice size the CLI trains at by default (pixels).</summary>
    public const int DefaultSize = 64;

    /// <summary>The network-space pixel spacing the CLI trains at by default (mm).</summary>
    public const double DefaultSpacingMm = 3.0;

    /// <summary>The default of <c>--plan</c>: auto, the planner's spacing, size and filters (measured better on both
    /// phantom families, docs/experiments.md); <c>--plan off</c> trains at <see cref="DefaultSize"/> px and
    /// <see cref="DefaultSpacingMm"/> mm.</summary>
    public const string DefaultPlan = "auto";

    public Option<int> Filters { get; } = new("--filters") { Description = "U-Net base filters F (channels F, 2F, 4F, 8F, centre 16F); planned by --plan auto unless given.", DefaultValueFactory = _ => UNetOptions.DefaultBaseFilters };

    public Option<string> Norm { get; } = new Option<string>("--norm") { Description = "Normalisation after each convolution: batch (the reference design) or instance.", DefaultValueFactory = _ => "batch" }.AcceptOnlyFromAmong("batch", "instance");

    public Option<int> Size { get; } = new("--size") { Description = "Network slice size in pixels (a multiple of 16); planned by --plan auto unless given.", DefaultValueFactory = _ => DefaultSize };

    public Option<double> Spacing { get; } = new("--spacing") { Description = "In-plane pixel spacing of network slices, mm; planned by --plan auto unless given.", DefaultValueFactory = _ => DefaultSpacingMm };

    public Option<string> Plan { get; } = new Option<string>("--plan") { Description = "Preprocessing plan: auto (spacing, size and filters chosen from the training data and a CPU budget; --size/--spacing/--filters given explicitly still win) or off (the --size, --spacing and --filters values).", DefaultValueFactory = _ => DefaultPlan }.AcceptOnlyFromAmong("auto", "off");

    public Option<double> Flip { get; } = new("--flip") { Description = "Probability of each random flip (left-right, anterior-posterior) in training augmentation; 0 keeps the canonical orientation.", DefaultValueFactory = _ => new AugmentationOptions().FlipProbability };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed; the same seed reproduces a CPU run for the same thread count.", DefaultValueFactory = _ => 0 };

    public Option<string> Device { get; } = DeviceOption.Create();

    /// <summary><c>--precision</c>, <c>--channels-last</c>, <c>--cudnn-benchmark</c>.</summary>
    public PerformanceFlags Performance { get; } = new();

    /// <summary>The options that describe the network and its input (they must agree with a pretrained encoder's).</summary>
    public IEnumerable<Option> Architecture => [Filters, Norm, Size, Spacing];

    public IEnumerable<Option> All => [Filters, Norm, Size, Spacing, Plan, Flip, Seed, Device, .. Performance.All];

    public UNetOptions Network(ParseResult parse)
    {
        int f = parse.GetValue(Filters);
        return Flag.Bind(Filters, f, nameof(UNetOptions.BaseFilters),
            () => new UNetOptions { BaseFilters = f, Norm = parse.GetValue(Norm) == "instance" ? NormKind.Instance : NormKind.Batch });
    }

    /// <summary>Training augmentation: the default recipe with the <c>--flip</c> probability.</summary>
    public AugmentationOptions Augmentation(ParseResult parse)
    {
        double flip = parse.GetValue(Flip);
        return Flag.Bind(Flip, flip, "flipProbability", () => new AugmentationOptions(flipProbability: flip));
    }

    public PreprocessingOptions Preprocessing(ParseResult parse)
    {
        int size = parse.GetValue(Size);
        double spacing = parse.GetValue(Spacing);
        var p = Flag.Bind(Size, size, nameof(PreprocessingOptions.TargetSize), () => new PreprocessingOptions { TargetSize = size });
        p = Flag.Bind(Spacing, spacing, nameof(PreprocessingOptions.TargetSpacingMm), () => p with { TargetSpacingMm = spacing });
        if (size % 16 != 0)
        {
            throw new UsageException($"{Size.Name} {size}: must be a multiple of 16.");
        }
        return p;
    }

    /// <summary>
    /// Preprocessing and network for training on <paramref name="dataset"/>: the flags' values with <c>--plan off</c>;
    /// with <c>--plan auto</c> the <see cref="PreprocessingPlanner"/>'s choice from the data fingerprint, where
    /// <c>--spacing</c>, <c>--size</c> and <c>--filters</c> given explicitly override field by field. The plan and its
    /// warnings (a thigh cropped by the frame) are printed to <paramref name="output"/>.
    /// </summary>
    public (PreprocessingOptions Preprocessing, UNetOptions Network, PreprocessingPlan? Plan) Configure(ParseResult parse, Dataset dataset, TextWriter output)
    {
        var prep = Preprocessing(parse);
        var net = Network(parse);
        if (parse.GetValue(Plan) != "auto")
        {
            return (prep, net, null);
        }
        var fingerprint = TrainingData.Fingerprint(dataset, prep);
        var plan = PreprocessingPlanner.Plan(
            fingerprint,
            depth: net.Depth,
            spacingMm: Flag.IsExplicit(parse, Spacing) ? prep.TargetSpacingMm : null,
            size: Flag.IsExplicit(parse, Size) ? prep.TargetSize : null,
            filters: Flag.IsExplicit(parse, Filters) ? net.BaseFilters : null);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plan: {plan.TargetSize} px at {plan.TargetSpacingMm:0.###} mm ({plan.FrameMm:0.#} mm frame), F={plan.BaseFilters}; data: {fingerprint}"));
        foreach (string note in plan.Notes)
        {
            output.WriteLine($"  {note}");
        }
        foreach (string warning in plan.Warnings)
        {
            output.WriteLine($"warning: {warning}");
        }
        return (plan.Apply(prep), net with { BaseFilters = plan.BaseFilters }, plan);
    }

    public int SeedValue(ParseResult parse) => parse.GetValue(Seed);

    public ComputeDevice DeviceValue(ParseResult parse) => DeviceOption.Get(parse, Device);

    /// <summary>
    /// The network and preprocessing of the pretrained encoder in <paramref name="encoderDirectory"/>, which fine-tuning
    /// from it must use (no plan: the encoder fixed them); explicit flags that disagree are refused
    /// (<see cref="CheckAgainst"/>). An encoder without a preprocessing record keeps the flags' preprocessing.
    /// </summary>
    public (PreprocessingOptions Preprocessing, UNetOptions Network, ModelManifest Manifest) FromEncoder(ParseResult parse, string initFlag, string encoderDirectory)
    {
        var m = ModelArtifact.ReadManifest(encoderDirectory);
        var encoderPrep = m.Preprocessing is null ? null : VolumeSegmenter.ReadPreprocessing(m.Preprocessing, encoderDirectory);
        CheckAgainst(parse, initFlag, m.Network, encoderPrep);
        return (encoderPrep ?? Preprocessing(parse), m.Network, m);
    }

    /// <summary>
    /// The network and preprocessing of a pretrained encoder, which fine-tuning must use: a flag given explicitly with
    /// another value is an error naming both values (<see cref="UsageException"/>).
    /// </summary>
    public void CheckAgainst(ParseResult parse, string initFlag, UNetOptions network, PreprocessingOptions? preprocessing)
    {
        var conflicts = new List<string>();
        void Compare(Option option, string given, string encoder)
        {
            if (Flag.IsExplicit(parse, option) && given != encoder)
            {
                conflicts.Add($"{option.Name} {given} (the encoder has {encoder})");
            }
        }
        string Inv(double v) => v.ToString(CultureInfo.InvariantCulture);
        Compare(Filters, Inv(parse.GetValue(Filters)), Inv(network.BaseFilters));
        Compare(Norm, parse.GetValue(Norm) ?? "", network.Norm == NormKind.Instance ? "instance" : "batch");
        if (preprocessing is not null)
        {
            Compare(Size, Inv(parse.GetValue(Size)), Inv(preprocessing.TargetSize));
            Compare(Spacing, Inv(parse.GetValue(Spacing)), Inv(preprocessing.TargetSpacingMm));
        }
        if (conflicts.Count > 0)
        {
            throw new UsageException($"{string.Join("; ", conflicts)}: fine-tuning from {initFlag} uses the encoder's network and preprocessing. Drop the flag(s), or pretrain a new encoder with them.");
        }
    }
}
