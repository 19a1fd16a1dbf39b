using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ThighSeg.Tests.Support;

/// <summary>
/// A real Orthanc (Debian's <c>orthanc</c> + <c>orthanc-dicomweb</c>) started for a test: loopback only, a free HTTP
/// port, no DICOM server, its own temporary storage and JSON configuration, HTTP basic authentication on, the
/// DICOMweb plugin loaded; stopped by its PID on dispose. <see cref="Start"/> calls Assert.Ignore when Orthanc or the
/// plugin is not installed.
/// </summary>
internal sealed class OrthancServer : IDisposable
{
    public const string User = "thighseg";
    public const string Password = "s3cret-pacs";

    private static readonly string[] PluginCandidates =
    [
        "/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
        "/usr/lib/orthanc/libOrthancDicomWeb.so",
    ];

    private readonly Process _process;
    private readonly string _folder;
    private readonly StringBuilder _log = new();

    private OrthancServer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    /// <summary>The DICOMweb root.</summary>
    public Uri DicomWebRoot => new($"http://127.0.0.1:{Port}/dicom-web");

    /// <summary>The REST root.</summary>
    public Uri RestRoot => new($"http://127.0.0.1:{Port}/");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static OrthancServer Start()
    {
        string? orthanc = new[] { "/usr/sbin/Orthanc", "/usr/bin/Orthanc" }.FirstOrDefault(File.Exists);
        string? plugin = PluginCandidates.FirstOrDefault(File.Exists);
        if (orthanc is null || plugin is null)
        {
            Assert.Ignore("Orthanc with its DICOMweb plugin is not installed (Debian packages orthanc and orthanc-dicomweb); the PACS round trip is skipped.");
        }
        string folder = Directory.CreateTempSubdirectory("thighseg-orthanc-").FullName;
        int port = FreePort();
        var config = new Dictionary<string, object>
        {
            ["Name"] = "ThighSegTest",
            ["StorageDirectory"] = Path.Combine(folder, "storage"),
            ["IndexDirectory"] = Path.Combine(folder, "storage"),
            ["HttpPort"] = port,
            ["HttpServerEnabled"] = true,
            ["RemoteAccessAllowed"] = false,
            ["DicomServerEnabled"] = false,
            ["AuthenticationEnabled"] = true,
            ["RegisteredUsers"] = new Dictionary<string, string> { [User] = Password },
            ["HttpTimeout"] = 30,
            ["ConcurrentJobs"] = 1,
            ["Plugins"] = new[] { plugin! },
            ["DicomWeb"] = new Dictionary<string, object> { ["Enable"] = true, ["Root"] = "/dicom-web/", ["EnableWado"] = false },
        };
        string configFile = Path.Combine(folder, "orthanc.json");
        File.WriteAllText(configFile, JsonSerializer.Serialize(config));
        var psi = new ProcessStartInfo(orthanc!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        psi.ArgumentList.Add(configFile);
        var process = Process.Start(psi)!;
        var server = new OrthancServer(process, folder, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.WaitUntilReady();
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    /// <summary>An HTTP client for Orthanc's REST API with the test credentials.</summary>
    public HttpClient Rest()
    {
        var http = new HttpClient { BaseAddress = RestRoot, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        return http;
    }

    /// <summary>Uploads Part 10 files through the REST API (POST /instances), as a PACS would hold them.</summary>
    public void Upload(IEnumerable<string> files)
    {
        using var http = Rest();
        foreach (string file in files)
        {
            using var content = new ByteArrayContent(File.ReadAllBytes(file));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            using var response = http.PostAsync("instances", content).GetAwaiter().GetResult();
            Assert.That(response.IsSuccessStatusCode, Is.True, $"upload of {file}: HTTP {(int)response.StatusCode} {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        }
    }

    /// <summary>Number of instances Orthanc holds.</summary>
    public int InstanceCount()
    {
        using var http = Rest();
        string json = http.GetStringAsync("statistics").GetAwaiter().GetResult();
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("CountInstances").GetInt32();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private void WaitUntilReady()
    {
        using var http = Rest();
        http.Timeout = TimeSpan.FromSeconds(5);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"Orthanc exited with code {_process.ExitCode} at start-up:\n{Log}");
            }
            try
            {
                using var response = http.GetAsync("dicom-web/studies").GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.OK || response.StatusCode == HttpStatusCode.NoContent)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            Thread.Sleep(200);
        }
        Assert.Fail($"Orthanc did not answer on port {Port} within 60 s:\n{Log}");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
