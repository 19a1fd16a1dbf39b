using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;

namespace ThighSeg.Benchmarks.Tests;

/// <summary>Runs every benchmark once in dry mode (in process) so the suites cannot rot.</summary>
[TestFixture]
public sealed class BenchmarkDryRunTests
{
    public static IEnumerable<Type> BenchmarkTypes() => typeof(BenchmarkHost).Assembly.GetTypes()
        .Where(t => t.IsPublic && !t.IsAbstract && t.GetMethods().Any(m => m.GetCustomAttributes(typeof(BenchmarkAttribute), false).Length > 0))
        .OrderBy(t => t.Name);

    [Test]
    public void TheBenchmarkAssembly_HasBenchmarks() => Assert.That(BenchmarkTypes(), Is.Not.Empty);

    [TestCaseSource(nameof(BenchmarkTypes))]
    public void Benchmark_RunsInDryMode(Type benchmarkType)
    {
        var config = ManualConfig.CreateEmpty()
            .AddJob(Job.Dry.WithToolchain(InProcessNoEmitToolchain.Instance))
            .AddLogger(NullLogger.Instance)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "thighseg-bdn-dry", benchmarkType.Name));

        var summary = BenchmarkRunner.Run(benchmarkType, config);

        Assert.Multiple(() =>
        {
            Assert.That(summary.HasCriticalValidationErrors, Is.False, string.Join("; ", summary.ValidationErrors.Select(e => e.Message)));
            Assert.That(summary.Reports, Is.Not.Empty);
            foreach (var report in summary.Reports)
            {
                Assert.That(report.Success, Is.True, $"{report.BenchmarkCase.DisplayInfo} failed");
            }
            // Suites with precision or layout parameters must have run every value, bf16 and NHWC included.
            foreach (string parameter in new[] { "Precision", "ChannelsLast" }.Where(p => benchmarkType.GetProperty(p) is not null))
            {
                var values = summary.Reports.Select(r => r.BenchmarkCase.Parameters[parameter]?.ToString()).Distinct().ToList();
                Assert.That(values, Has.Count.EqualTo(2), $"{parameter}: {string.Join(", ", values)}");
            }
        });
    }
}
