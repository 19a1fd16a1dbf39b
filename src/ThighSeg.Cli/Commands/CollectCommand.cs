using System.CommandLine;
using ThighSeg.IO.Cohort;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg collect --out DIR</c>: rebuilds the cohort tables of a prediction folder (<c>volumes.csv</c>,
/// <c>failures.csv</c>) from its per-case tables and completion records; for sharded jobs whose shards finished in
/// separate processes, or after an interruption. Safe to run at any time, also while shards still run.
/// </summary>
internal static class CollectCommand
{
    public static Command Create(TextWriter output)
    {
        var outDir = new Option<string>("--out") { Description = "The prediction output folder (of thighseg predict).", Required = true };
        var cmd = new Command("collect", "Rebuild the cohort tables (volumes.csv, failures.csv) of a prediction folder from its completed cases.");
        cmd.Options.Add(outDir);
        cmd.SetAction(parse =>
        {
            string dir = parse.GetValue(outDir)!;
            if (!Directory.Exists(dir))
            {
                throw new UsageException($"--out: folder not found: {dir}");
            }
            var store = new CohortOutput(dir);
            var (merged, failed) = store.Collect(PredictCommand.Tables);
            output.WriteLine($"collected {merged} completed case(s), {failed} failed case(s): {store.CohortTablePath("volumes")}, {Path.Combine(store.Directory, CohortOutput.FailuresFile)}");
            return CliApp.ExitOk;
        });
        return cmd;
    }
}
