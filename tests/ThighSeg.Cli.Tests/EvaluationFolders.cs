namespace ThighSeg.Cli.Tests;

/// <summary>
/// The shared setup of the tests that run <c>thighseg evaluate</c>: a fresh temporary folder per test with empty
/// <c>ref/</c> and <c>pred/</c> label-map folders, deleted after the test, and a runner of the real CLI.
/// </summary>
public abstract class EvaluationFolders
{
    /// <summary>The test's temporary folder.</summary>
    protected string Dir { get; private set; } = "";

    /// <summary>Reference label maps.</summary>
    protected string RefDir => Path.Combine(Dir, "ref");

    /// <summary>Predicted label maps.</summary>
    protected string PredDir => Path.Combine(Dir, "pred");

    [SetUp]
    public void CreateFolders()
    {
        Dir = Path.Combine(Path.GetTempPath(), "thighseg-" + GetType().Name + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(RefDir);
        Directory.CreateDirectory(PredDir);
    }

    [TearDown]
    public void DeleteFolders() => Directory.Delete(Dir, recursive: true);

    /// <summary>Runs <c>thighseg</c> with every verb and the default readers.</summary>
    protected static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
