using System.Reflection;

namespace ThighSeg.ML.Tests;

/// <summary>Architecture rules from docs/architecture.md, checked on the compiled assemblies.</summary>
[TestFixture]
public sealed class LayeringTests
{
    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    private static string[] References(string assembly) =>
        Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    [TestCase("ThighSeg.Core")]
    [TestCase("ThighSeg.IO")]
    public void CoreAndIO_NeverReferenceTorchSharp(string assembly) =>
        Assert.That(References(assembly), Has.None.StartsWith("TorchSharp"));

    [Test]
    public void Core_DependsOnNoOtherThighSegProject() =>
        Assert.That(References("ThighSeg.Core"), Has.None.StartsWith("ThighSeg."));

    [Test]
    public void IO_DependsOnlyOnCore() =>
        Assert.That(References("ThighSeg.IO").Where(n => n.StartsWith("ThighSeg.", StringComparison.Ordinal)), Is.EquivalentTo(new[] { "ThighSeg.Core" }));

    [Test]
    public void Torch_DoesNotDependOnIOOrMLNet() =>
        Assert.That(References("ThighSeg.Torch"), Has.None.EqualTo("ThighSeg.IO").And.None.StartsWith("Microsoft.ML"));
}
