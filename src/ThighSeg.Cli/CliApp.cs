using System.CommandLine;
using ThighSeg.Cli.Commands;
using ThighSeg.Core;
using ThighSeg.IO;

namespace ThighSeg.Cli;

/// <summary>The <c>thighseg</c> command line: verbs, parsing, exit codes.</summary>
/// <remarks>
/// Exit codes: 0 success; 1 a runtime failure the user can act on (bad input file, missing device; the message says what);
/// 2 bad arguments (unknown verb or option, missing or invalid value, an output that would replace an input or another run's results); predict: 10 + n when n cases failed (11..110). Each verb lives in its own file under Commands/.
/// </remarks>
internal static class CliApp
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;

    public static RootCommand Build(TextWriter output)
    {
        var root = new RootCommand("ThighSeg: thigh-muscle segmentation in MRI from few labelled scans (positional contrastive pretraining + fine-tuning).");
        VersionCommand.Attach(root, output);
        foreach (var command in Verbs(output))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>All verbs, in the order --help lists them.</summary>
    private static IEnumerable<Command> Verbs(TextWriter output)
    {
        yield return VersionCommand.CreateBackendVerb(output);
        yield return InfoCommand.Create(output);
        yield return ConvertCommand.Create(output);
        yield return SynthCommand.Create(output, () => VolumeFormats.Default.WriterFor("cohort.nii.gz"));
        yield return EvaluateCommand.Create(output, VolumeFormats.Default.Readers);
        yield return StatsCommand.Create(output);
        yield return PretrainCommand.Create(output);
        yield return FinetuneCommand.Create(output);
        yield return PredictCommand.Create(output);
        yield return PacsCommand.Create(output);
        yield return CollectCommand.Create(output);
        yield return SbatchCommand.Create(output);
        yield return SbatchCommand.CreateExperiment(output);
        yield return ExperimentCommand.Create(output);
        yield return DemoCommand.Create(output);
    }

    public static int Run(string[] args, TextWriter output, TextWriter error) => Invoke(Build(output), args, output, error);

    /// <summary>Parses and runs <paramref name="args"/> against <paramref name="root"/>, mapping errors to exit codes.</summary>
    internal static int Invoke(RootCommand root, string[] args, TextWriter output, TextWriter error)
    {
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                // Name the flag a bad value belongs to (System.CommandLine's message names only the value).
                string? flag = e.SymbolResult switch
                {
                    System.CommandLine.Parsing.OptionResult o => o.Option.Name,
                    System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult o } => o.Option.Name,
                    _ => null,
                };
                error.WriteLine(flag is null || e.Message.Contains(flag, StringComparison.Ordinal) ? $"error: {e.Message}" : $"error: {flag}: {e.Message}");
            }
            error.WriteLine("Run 'thighseg --help' (or 'thighseg VERB --help') for usage.");
            return ExitUsage;
        }
        try
        {
            var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            return parse.Invoke(config);
        }
        catch (UsageException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return ExitUsage;
        }
        catch (ThighSeg.Torch.DeviceUnavailableException ex)
        {
            // The library names the setting (ComputeDevice); the CLI names its flag.
            error.WriteLine($"error: {ex.Message} (--device selects the device; --device cpu runs without a GPU)");
            return ExitFailure;
        }
        catch (OutputConflictException ex)
        {
            // An output that would replace an input or another run's results: an argument to change (or --overwrite).
            error.WriteLine($"error: {ex.Message}");
            return ExitUsage;
        }
        catch (ThighSegException ex)
        {
            error.WriteLine($"error: {VolumeOptions.WithFlagHints(ex.Message)}");
            return ExitFailure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {ex.Message}");
            return ExitFailure;
        }
    }
}
