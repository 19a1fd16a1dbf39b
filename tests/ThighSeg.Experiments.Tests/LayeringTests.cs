using System.Reflection;

namespace ThighSeg.Experiments.Tests;

/// <summary>The experiments layer sits above Torch and below the CLI (docs/architecture.md), checked on the compiled assemblies.</summary>
[TestFixture]
public sealed class LayeringTests
{
    private static string[] ThighSegReferences(string assembly) =>
        Assembly.Load(new AssemblyName(assembly)).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("ThighSeg.", StringComparison.Ordinal)).ToArray();

    [Test]
    public void Experiments_DependsOnCoreAndTorchOnly() =>
        Assert.That(ThighSegReferences("ThighSeg.Experiments"), Is.EquivalentTo(new[] { "ThighSeg.Core", "ThighSeg.Torch" }));

    [Test]
    public void Torch_DoesNotDependOnExperiments() =>
        Assert.That(ThighSegReferences("ThighSeg.Torch"), Has.None.EqualTo("ThighSeg.Experiments"));

    [Test]
    public void Experiments_TakesItsTrainersAsInterfaces() =>
        Assert.That(typeof(LabelEfficiencyExperiment).GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType),
            Does.Contain(typeof(Func<Core.Abstractions.PretrainOptions, Core.Abstractions.IEncoderPretrainer>))
                .And.Contain(typeof(Func<Core.Abstractions.FineTuneOptions, Core.Abstractions.ISegmenter>)));
}
