namespace ThighSeg.Cli.Tests.Support;

/// <summary>Runs <c>thighseg</c> in process and captures its output.</summary>
internal static class CliRunner
{
    /// <summary>Runs the CLI with <paramref name="args"/>.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>The built CLI as a command line for other processes: <c>dotnet /path/thighseg.dll</c> (bash-quoted).</summary>
    public static string ExternalCommand()
    {
        string dll = typeof(CliApp).Assembly.Location;
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        return $"'{dotnet}' '{dll}'";
    }
}
