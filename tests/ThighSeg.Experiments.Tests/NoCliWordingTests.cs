using System.Text.RegularExpressions;

namespace ThighSeg.Experiments.Tests;

/// <summary>Library messages name settings, never command-line flags: the CLI maps library errors to its flags.</summary>
[TestFixture]
public sealed partial class NoCliWordingTests
{
    [GeneratedRegex("\"(?:[^\"\\\\\\n]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9-]*")]
    private static partial Regex CliFlag();

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ThighSeg.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("ThighSeg.sln not found above the test folder.");
    }

    /// <summary>Every string literal with a <c>--flag</c> in the C# sources under <paramref name="folder"/>, as file:line: text.</summary>
    internal static List<string> FlagLiterals(string folder)
    {
        var found = new List<string>();
        foreach (string file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                              && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }
                foreach (Match literal in StringLiteral().Matches(lines[i]))
                {
                    if (CliFlag().IsMatch(literal.Value))
                    {
                        found.Add($"{Path.GetRelativePath(folder, file)}:{i + 1}: {literal.Value}");
                    }
                }
            }
        }
        return found;
    }

    [TestCase("src/ThighSeg.Torch")]
    [TestCase("src/ThighSeg.Experiments")]
    public void LibrarySources_HaveNoStringWithACliFlag(string folder)
    {
        string path = Path.Combine(RepositoryRoot(), folder);
        Assert.That(Directory.Exists(path), Is.True, path);
        Assert.That(FlagLiterals(path), Is.Empty);
    }

    [Test]
    public void TheScan_FindsAFlagInAStringLiteral_AndIgnoresComments()
    {
        string dir = Path.Combine(Path.GetTempPath(), "thighseg-flag-scan-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "A.cs"), "// use --sizes here\nvar m = \"choose smaller --sizes\";\nvar n = \"a-b--c and 1--2\";\n");
            var found = FlagLiterals(dir);
            Assert.That(found, Has.Count.EqualTo(1));
            Assert.That(found[0], Does.StartWith("A.cs:2:").And.Contain("--sizes"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
