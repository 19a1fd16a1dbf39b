namespace ThighSeg.Benchmarks.Tests;

/// <summary>Every test in this assembly runs the benchmarks with their tiny smoke parameter sets.</summary>
[SetUpFixture]
public sealed class SmokeEnvironment
{
    [OneTimeSetUp]
    public void EnableSmokeCases() => Environment.SetEnvironmentVariable(BenchmarkHost.SmokeVariable, "1");

    [OneTimeTearDown]
    public void DisableSmokeCases() => Environment.SetEnvironmentVariable(BenchmarkHost.SmokeVariable, null);
}
