using System.Globalization;
using Spectre.Console;
using ThighSeg.IO.Cohort;

namespace ThighSeg.Cli.Reports;

/// <summary>
/// Shows cohort prediction progress: a live bar with cases done/skipped/failed, cases per minute and ETA on an
/// interactive terminal; one plain line per case otherwise (SLURM and Kubernetes logs, redirected output, tests).
/// </summary>
internal static class CohortConsoleProgress
{
    /// <summary>Runs <paramref name="work"/> with a progress callback shown on <paramref name="output"/>.</summary>
    public static T Run<T>(TextWriter output, int total, Func<Action<CohortProgress>, T> work)
    {
        var console = ConsoleProgress.Console(output);
        if (!console.Profile.Capabilities.Interactive)
        {
            return work(p => output.WriteLine(Line(p)));
        }
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("cases", maxValue: Math.Max(1, total));
                result = work(p =>
                {
                    task.Value = p.Ended;
                    task.Description = Markup.Escape(Counts(p));
                    if (p.Outcome == CaseOutcome.Failed)
                    {
                        console.MarkupLine($"[red]failed[/] {Markup.Escape(p.CaseId)}: {Markup.Escape(p.Message ?? "")}");
                    }
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>The plain line for one ended case.</summary>
    internal static string Line(CohortProgress p)
    {
        string outcome = p.Outcome switch { CaseOutcome.Done => "done", CaseOutcome.Skipped => "skipped", _ => "FAILED" };
        string width = p.Total.ToString(CultureInfo.InvariantCulture);
        string line = string.Create(CultureInfo.InvariantCulture, $"[{p.Ended.ToString(CultureInfo.InvariantCulture).PadLeft(width.Length)}/{width}] {outcome} {p.CaseId} · {Counts(p)}");
        return p.Outcome == CaseOutcome.Failed ? line + " · " + p.Message : line;
    }

    private static string Counts(CohortProgress p)
    {
        string rate = double.IsNaN(p.CasesPerMinute) ? "-" : p.CasesPerMinute.ToString("F1", CultureInfo.InvariantCulture);
        string eta = p.Remaining is { } r ? r.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "-";
        return string.Create(CultureInfo.InvariantCulture, $"{p.Done} done, {p.Skipped} skipped, {p.Failed} failed · {rate} cases/min · ETA {eta}");
    }
}
