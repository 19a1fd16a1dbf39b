using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using ThighSeg.Core;
using ThighSeg.Experiments;

namespace ThighSeg.Cli.Reports;

/// <summary>
/// Shows experiment progress: a live Spectre.Console progress display (bars, ETA) on an interactive terminal; plain,
/// throttled log lines otherwise (CI logs, redirected output, tests). Warnings reported with the progress are printed
/// when they arrive (<see cref="LibraryWarning"/>).
/// </summary>
internal static class ConsoleProgress
{
    /// <summary>The console for <paramref name="output"/>: live and coloured on a terminal, plain and unwrapped otherwise.</summary>
    public static IAnsiConsole Console(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = ReferenceEquals(output, System.Console.Out) ? InteractionSupport.Detect : InteractionSupport.No,
            Ansi = ReferenceEquals(output, System.Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
        });
        if (!ReferenceEquals(output, System.Console.Out) || System.Console.IsOutputRedirected)
        {
            // Logs and files (SLURM output, CI, tests): Spectre would wrap every line at its default 80 columns, splitting
            // a warning over lines that grep and the reader must join again. One message, one line.
            console.Profile.Width = LogWidth;
        }
        return console;
    }

    /// <summary>The line width of output that is not a terminal: wide enough that no message wraps.</summary>
    internal const int LogWidth = 4096;

    /// <summary>Runs <paramref name="work"/>, reporting its progress on <paramref name="console"/>.</summary>
    public static T Run<T>(IAnsiConsole console, Func<IProgress<ExperimentProgress>, T> work)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return work(new SynchronousProgress<ExperimentProgress>(new PlainLog(console).Report));
        }
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                ProgressTask? overall = null;
                ProgressTask? current = null;
                string? stage = null;
                result = work(new SynchronousProgress<ExperimentProgress>(p =>
                {
                    if (p.Warning is string warning)
                    {
                        LibraryWarning.Write(console, warning);
                    }
                    overall ??= ctx.AddTask("[bold]all runs[/]", maxValue: Math.Max(1, p.Total));
                    overall.Value = p.Completed;
                    if (p.Stage != stage && !p.Stage.StartsWith("evaluate", StringComparison.Ordinal) && !p.Stage.StartsWith("done", StringComparison.Ordinal))
                    {
                        current?.StopTask();
                        stage = p.Stage;
                        current = ctx.AddTask(Markup.Escape(p.Stage), maxValue: 1);
                    }
                    if (p.Training is { } t && current is not null && t.TotalSteps > 0)
                    {
                        current.MaxValue = t.TotalSteps;
                        current.Value = t.Step;
                        string detail = double.IsNaN(t.Loss) ? $"val Dice {t.ValidationDice:F3}" : $"loss {t.Loss:F3}";
                        current.Description = Markup.Escape($"{stage} · epoch {t.Epoch}/{t.Epochs} · {detail}");
                    }
                    if (p.Stage.StartsWith("done", StringComparison.Ordinal))
                    {
                        current?.StopTask();
                    }
                }));
                current?.StopTask();
                if (overall is not null)
                {
                    overall.Value = overall.MaxValue;
                }
            });
        return result;
    }

    /// <summary>Plain progress lines: every stage change, and training progress at most every 10 seconds, with an ETA.</summary>
    private sealed class PlainLog(IAnsiConsole console)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string? _stage;
        private TimeSpan _lastLine = TimeSpan.MinValue;

        public void Report(ExperimentProgress p)
        {
            string time = _clock.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
            if (p.Warning is string warning)
            {
                LibraryWarning.Write(console, warning);
            }
            if (p.Stage != _stage)
            {
                _stage = p.Stage;
                console.WriteLine($"[{time}] ({p.Completed}/{p.Total}) {p.Stage}");
                _lastLine = _clock.Elapsed;
                return;
            }
            if (p.Training is { } t && t.TotalSteps > 0 && _clock.Elapsed - _lastLine > TimeSpan.FromSeconds(10))
            {
                _lastLine = _clock.Elapsed;
                double fraction = (double)t.Step / t.TotalSteps;
                string eta = fraction > 0 ? TimeSpan.FromSeconds(t.Elapsed.TotalSeconds * (1 - fraction) / fraction).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "?";
                string detail = double.IsNaN(t.Loss) ? $"val Dice {t.ValidationDice:F3}" : $"loss {t.Loss:F3}";
                console.WriteLine($"[{time}]   step {t.Step}/{t.TotalSteps} ({fraction:P0}) epoch {t.Epoch}/{t.Epochs} {detail} ETA {eta}");
            }
        }
    }
}
