using ThighSeg.Core.Phantoms;

namespace ThighSeg.Core.Tests.Phantoms;

/// <summary>Small phantoms shared by tests (generated once per test run).</summary>
internal static class PhantomFixtures
{
    public static readonly PhantomOptions Small = new() { MatrixSize = 96, MinSlices = 24, MaxSlices = 30 };
    public static readonly PhantomOptions Clean = Small with { Noise = false, BiasField = false };

    private static readonly Lazy<PhantomSubject[]> CleanCohort = new(() =>
    {
        var g = new ThighPhantomGenerator(Clean);
        return [.. Enumerable.Range(0, 6).Select(i => g.GenerateCohortMember(11, i))];
    });

    private static readonly Lazy<PhantomSubject[]> NoisyCohort = new(() =>
    {
        var g = new ThighPhantomGenerator(Small);
        return [.. Enumerable.Range(0, 6).Select(i => g.GenerateCohortMember(5, i))];
    });

    /// <summary>Six noise-free, bias-free subjects.</summary>
    public static IReadOnlyList<PhantomSubject> CleanSubjects => CleanCohort.Value;

    /// <summary>Six subjects with noise, bias field and random axis directions.</summary>
    public static IReadOnlyList<PhantomSubject> NoisySubjects => NoisyCohort.Value;
}
