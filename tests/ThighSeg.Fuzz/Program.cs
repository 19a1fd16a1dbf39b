using System.Globalization;
using ThighSeg.Fuzz;

// thighseg fuzzer: a seeded mutation run over ThighSeg's parsers (docs/formats.md, "Fuzzing").
//   dotnet run --project tests/ThighSeg.Fuzz -c Release -- [--inputs N] [--seed S] [--targets nifti,dicomfile,...]
//       [--time-cap-s 5] [--memory-cap-mb 1024] [--findings DIR]
//   dotnet run --project tests/ThighSeg.Fuzz -c Release -- --replay FILE --target T [--series K]
//   dotnet run --project tests/ThighSeg.Fuzz -c Release -- --mutate-only [--inputs N] [--seed S]   (the mutator alone)
// Exit code: 0 no findings, 1 findings, 2 bad arguments.
var options = new FuzzOptions();
string? replay = null;
FuzzTarget replayTarget = FuzzTarget.Nifti;
int series = 0;
bool mutateOnly = false;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--inputs": options = options with { Inputs = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
            case "--seed": options = options with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) }; break;
            case "--time-cap-s": options = options with { TimeCap = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) }; break;
            case "--memory-cap-mb": options = options with { MemoryCapBytes = long.Parse(Next(), CultureInfo.InvariantCulture) << 20 }; break;
            case "--findings": options = options with { FindingsDirectory = Next() }; break;
            case "--targets": options = options with { Targets = Next().Split(',').Select(t => Enum.Parse<FuzzTarget>(t, ignoreCase: true)).ToList() }; break;
            case "--replay": replay = Next(); break;
            case "--target": replayTarget = Enum.Parse<FuzzTarget>(Next(), ignoreCase: true); break;
            case "--series": series = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--mutate-only": mutateOnly = true; break;
            default: throw new ArgumentException($"unknown argument {args[i]}");
        }
    }
    if (options.Inputs < 1 || options.Targets.Count == 0)
    {
        throw new ArgumentException("--inputs must be at least 1 and --targets must name at least one parser");
    }
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

var corpus = FuzzCorpus.Load();
var runner = new FuzzRunner(options, corpus);
if (replay is not null)
{
    var input = new FuzzInput(0, replayTarget, File.ReadAllBytes(replay), replay, "replay", series);
    var (completed, elapsed, allocated, error) = runner.RunCapped(input, options.WorkDirectory);
    if (completed && Directory.Exists(options.WorkDirectory))
    {
        Directory.Delete(options.WorkDirectory, recursive: true);
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{replayTarget}: {(completed ? "finished" : "TIMEOUT")} in {elapsed.TotalMilliseconds:F0} ms, allocated {allocated / 1048576.0:F1} MiB"));
    Console.WriteLine(error?.ToString() ?? "accepted");
    return completed && (error is null || FuzzRunner.AllowedException(replayTarget).IsInstanceOfType(error)) ? 0 : 1;
}

if (mutateOnly)
{
    // Makes the inputs without parsing them (a check of the mutator itself).
    for (long i = 0; i < options.Inputs; i++)
    {
        runner.Make(i);
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"made {options.Inputs} inputs"));
    return 0;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"fuzz: {options.Inputs} inputs, seed {options.Seed}, targets {string.Join(",", options.Targets)}, cap {options.TimeCap.TotalSeconds:F0} s and {options.MemoryCapBytes >> 20} MiB per input"));
var report = runner.Run(Console.Out);
Console.Write(report.ToText());
return report.Findings.Count == 0 ? 0 : 1;
