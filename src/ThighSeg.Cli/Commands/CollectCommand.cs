using System.CommandLine;
using ThighSeg.Core.Quantification;
using ThighSeg.IO.Cohort;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg collect --out DIR</c>: rebuilds the cohort tables of a prediction folder (<c>volumes.csv</c>,
/// <c>failures.csv</c>, and <c>muscle_statistics.csv</c>/<c>csa_per_slice.csv</c> when it was predicted with
/// <c>--statistics</c>) from its per-case tables and completion records; for sharded jobs whose shards finished in
/// separate processes, or after an interruption. Safe to run at any time, also while shards still run.
/// </summary>
internal static class CollectCommand
{
    public static Command Create(TextWriter output)
    {
        var outDir = new Option<string>("--out") { Description = "The prediction output folder (of thighseg predict).", Required = true };
        var cmd = new Command("collect", "Rebuild the cohort tables (volumes.csv, failures.csv, and the statistics tables of predict --statistics) of a prediction folder from its completed cases.");
        cmd.Options.Add(outDir);
        cmd.SetAction(parse =>
        {
            string dir = parse.GetValue(outDir)!;
            if (!Directory.Exists(dir))
            {
                throw new UsageException($"--out: folder not found: {dir}");
            }
            var store = new CohortOutput(dir);
            // A folder predicted with --statistics also holds the per-muscle and per-slice tables of every case.
            string cases = Path.Combine(store.Directory, "cases");
            bool statistics = Directory.Exists(cases) && Directory.EnumerateFiles(cases, StatisticsTables.MuscleFileName, SearchOption.AllDirectories).Any();
            var tables = PredictCommand.TablesFor(PredictCommand.PredictOutputs.Default with { Statistics = statistics });
            var (merged, failed) = store.Collect(tables);
            output.WriteLine($"collected {merged} completed case(s), {failed} failed case(s): {string.Join(", ", tables.Select(t => store.CohortTablePath(t.Name)))}, {Path.Combine(store.Directory, CohortOutput.FailuresFile)}");
            return CliApp.ExitOk;
        });
        return cmd;
    }
}
