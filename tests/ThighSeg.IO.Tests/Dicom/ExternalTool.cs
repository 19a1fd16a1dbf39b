using System.Diagnostics;

namespace ThighSeg.IO.Tests.Dicom;

/// <summary>Runs an installed command-line tool (dciodvfy, dcmdump, ...) and captures its output; Assert.Ignore when it is absent.</summary>
internal static class ExternalTool
{
    /// <summary>The full path of <paramref name="name"/> on PATH or in /usr/bin, or null.</summary>
    public static string? Find(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The tool's path, or Assert.Ignore naming the Debian package that provides it.</summary>
    public static string Require(string name, string package) =>
        Find(name) ?? throw new IgnoreException($"{name} is not installed (Debian package {package}); the independent check is skipped.");

    /// <summary>Runs the tool to completion (60 s limit) and returns its exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} did not finish within 60 s");
        }
        return (process.ExitCode, stdout + stderr.Result);
    }
}
