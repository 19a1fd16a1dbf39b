using System.CommandLine;
using System.Globalization;
using ThighSeg.Cli.Commands;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Experiments;

namespace ThighSeg.Cli.Options;

/// <summary>
/// The flags that define a label-efficiency study, shared by <c>experiment</c> and <c>sbatch-experiment</c> so that
/// the scripts a study's job arrays run accept exactly what the user typed.
/// </summary>
internal sealed class ExperimentFlags
{
    public Option<string> Data { get; } = new("--data", "-i") { Description = "The dataset's manifest.csv (columns subject,image,label,split).", Required = true };

    public Option<string> Out { get; } = new("--out", "-o") { Description = "Output folder (created; rerunning the same command resumes it; adding sizes, methods or repeats reuses finished runs).", Required = true };

    public Option<string> Sizes { get; } = new("--sizes") { Description = "Labelled-set sizes S, comma-separated.", DefaultValueFactory = _ => "1,2,5,10,20,30,40" };

    public Option<string> Methods { get; } = new("--methods") { Description = "Initialisations to compare: rnd, pcl, gcl, simclr (comma-separated).", DefaultValueFactory = _ => "rnd,pcl" };

    public Option<int> Repeats { get; } = new("--repeats") { Description = "Different seeded draws of the labelled subjects per size.", DefaultValueFactory = _ => 1 };

    public Option<string[]> Pretrained { get; } = new("--pretrained") { Description = "Reuse an existing pretrained encoder instead of pretraining: METHOD=MODEL_DIR (repeatable).", AllowMultipleArgumentsPerToken = true };

    public Option<int> PretrainDownsample { get; } = new("--pretrain-downsample") { Description = "Pretrain on a grid this many times coarser than the fine-tuning's (the same field of view; about 1/N^2 of the compute); fine-tuning and evaluation keep the network's grid.", DefaultValueFactory = _ => ExperimentOptions.DefaultPretrainDownsampling };

    public NetworkFlags Network { get; } = new();

    public PretrainFlags Pretrain { get; } = new("pretrain-");

    public FinetuneFlags Finetune { get; } = new("finetune-");

    public Option<bool> Tta { get; } = new("--tta") { Description = "Flip test-time augmentation when predicting the test subjects (the default; kept for old scripts)." };

    public Option<bool> NoTta { get; } = new("--no-tta") { Description = "Turn off flip test-time augmentation in the evaluation (on by default, as in predict)." };

    public Option<bool> Largest { get; } = new("--largest-component") { Description = "Keep only the largest connected component of each label per thigh." };

    /// <summary>Every flag of the study.</summary>
    public IEnumerable<Option> All => new Option[] { Data, Out, Sizes, Methods, Repeats, Pretrained, PretrainDownsample, Tta, NoTta, Largest }.Concat(Pretrain.All).Concat(Finetune.All).Concat(Network.All);

    /// <summary>The study's options.</summary>
    /// <exception cref="UsageException">A value is invalid (the message names the flag).</exception>
    public ExperimentOptions Bind(ParseResult parse)
    {
        int repeatCount = parse.GetValue(Repeats);
        if (parse.GetValue(Tta) && parse.GetValue(NoTta))
        {
            throw new UsageException("--tta and --no-tta contradict each other; flip TTA is on by default.");
        }
        var pretrainOptions = Pretrain.Bind(parse, Network);
        var fineTuneOptions = Finetune.Bind(parse, Network);
        var preprocessing = Network.Preprocessing(parse);
        int validationCount = Finetune.ValidationCount(parse);
        var options = new ExperimentOptions
        {
            Sizes = ExperimentCommand.ParseSizes(parse.GetValue(Sizes)!),
            Methods = ExperimentCommand.ParseMethods(parse.GetValue(Methods)!),
            Pretrain = pretrainOptions,
            FineTune = fineTuneOptions,
            Preprocessing = preprocessing,
            ValidationCount = validationCount,
            Seed = Network.SeedValue(parse),
            Device = Network.DeviceValue(parse),
            FlipTta = !parse.GetValue(NoTta),
            KeepLargestComponent = parse.GetValue(Largest),
            PretrainedEncoders = ExperimentCommand.ParsePretrained(parse.GetValue(Pretrained)),
        };
        options = Flag.Bind(Repeats, repeatCount, nameof(ExperimentOptions.Repeats), () => options with { Repeats = repeatCount });
        int downsample = parse.GetValue(PretrainDownsample);
        return Flag.Bind(PretrainDownsample, downsample, nameof(ExperimentOptions.PretrainDownsampling), () => options with { PretrainDownsampling = downsample });
    }

    /// <summary>
    /// <paramref name="options"/> with the self-configured preprocessing and network (<c>--plan auto</c>, explicit
    /// <c>--size/--spacing/--filters</c> kept), or unchanged with a null plan (<c>--plan off</c>). With
    /// <c>--pretrained</c> the given encoders' network and preprocessing instead (they must agree; no plan), as
    /// <c>finetune --init</c> does.
    /// </summary>
    public (ExperimentOptions Options, PreprocessingPlan? Plan) Configure(ParseResult parse, ExperimentOptions options, Dataset dataset, TextWriter output)
    {
        if (options.PretrainedEncoders.Count > 0)
        {
            var encoders = options.PretrainedEncoders
                .Select(kv => (Given: $"{kv.Key.Name()}={kv.Value}", Settings: Network.FromEncoder(parse, Pretrained.Name, kv.Value)))
                .ToList();
            var (prep, net, _) = encoders[0].Settings;
            var other = encoders.FirstOrDefault(e => e.Settings.Network != net || e.Settings.Preprocessing != prep);
            if (other.Given is not null)
            {
                throw new UsageException($"{Pretrained.Name}: {encoders[0].Given} and {other.Given} differ in network or preprocessing; a study fine-tunes every method with one.");
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"network and preprocessing from {Pretrained.Name}: {prep.TargetSize} px at {prep.TargetSpacingMm:0.###} mm, F={net.BaseFilters}, {(net.Norm == NormKind.Instance ? "instance" : "batch")} norm"));
            return (options with
            {
                Preprocessing = prep,
                Pretrain = options.Pretrain with { Network = net },
                FineTune = options.FineTune with { Network = net },
            }, null);
        }
        var (preprocessing, network, plan) = Network.Configure(parse, dataset, output);
        return plan is null
            ? (options, null)
            : (options with
            {
                Preprocessing = preprocessing,
                Pretrain = options.Pretrain with { Network = network },
                FineTune = options.FineTune with { Network = network },
            }, plan);
    }

    /// <summary>The dataset named by <see cref="Data"/>.</summary>
    public Dataset OpenData(ParseResult parse) => TrainingData.Open(Data.Name, parse.GetValue(Data)!);

    /// <summary>
    /// The study's flags as the user gave them (defaults left out), paths made absolute, for a script that runs
    /// <c>thighseg experiment</c> elsewhere.
    /// </summary>
    public IReadOnlyList<string> Forward(ParseResult parse)
    {
        var args = new List<string>();
        foreach (var option in All)
        {
            if (parse.GetResult(option) is not { Implicit: false } result)
            {
                continue;
            }
            bool path = option == Data || option == Out;
            if (option == Pretrained)
            {
                foreach (var token in result.Tokens)
                {
                    int eq = token.Value.IndexOf('=', StringComparison.Ordinal);
                    args.Add(option.Name);
                    args.Add(eq > 0 ? token.Value[..(eq + 1)] + Path.GetFullPath(token.Value[(eq + 1)..]) : token.Value);
                }
                continue;
            }
            args.Add(option.Name);
            args.AddRange(result.Tokens.Select(t => path ? Path.GetFullPath(t.Value) : t.Value));
        }
        return args;
    }
}
