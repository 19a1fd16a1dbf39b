using System.Diagnostics;
using System.Text.Json;

namespace ThighSeg.IO.Tests.Dicom;

/// <summary>Runs a reference script from tests/reference with /usr/bin/python3 and parses the JSON it prints.</summary>
internal static class PythonReference
{
    public const string Python = "/usr/bin/python3";

    /// <summary>The repository's tests/reference folder, found by walking up from the test assembly.</summary>
    public static string ScriptPath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "reference", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"tests/reference/{name} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs the script; Assert.Ignore when python3 or one of its modules is missing (exit code 3).</summary>
    public static JsonElement Run(string script, params string[] args)
    {
        if (!File.Exists(Python))
        {
            Assert.Ignore($"{Python} is not installed; the reference comparison needs python3 with pydicom, numpy (and nibabel, dcm2niix for series).");
        }
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ScriptPath(script));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var stderrTask = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{script} did not finish within 120 s");
        }
        string stderr = stderrTask.Result;
        if (process.ExitCode == 3)
        {
            string what = stdout.Trim().Length > 0 ? JsonDocument.Parse(stdout).RootElement.GetProperty("missing").GetString()! : "a module";
            Assert.Ignore($"{script} cannot run here: {what} is not installed (Debian: python3-pydicom python3-numpy python3-nibabel dcm2niix).");
        }
        Assert.That(process.ExitCode, Is.Zero, $"{script} failed:\n{stderr}\n{stdout}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
