using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace ThighSeg.IO.DicomWeb;

/// <summary>
/// A DICOMweb client (PS3.18): QIDO-RS series search, WADO-RS retrieval of a series as multipart/related
/// application/dicom, and STOW-RS store. HTTP basic authentication and TLS (system trust store, a given CA or
/// self-signed certificate, or, for testing, no server authentication).
/// </summary>
/// <remarks>
/// Errors are <see cref="DicomWebException"/>s that name the URL: 401/403 (credentials), 404 (no such study, series
/// or DICOMweb root), timeouts and connection failures. A retrieved series is written to a staging folder that is
/// renamed into place only when every instance has arrived, so a failed retrieval leaves no partial folder; a store
/// is checked against the server's Referenced/Failed SOP sequences. Not thread-safe for concurrent calls that share
/// a target folder; one instance may be used for sequential calls.
/// </remarks>
public sealed class DicomWebClient : IDisposable
{
    private const string DicomJson = "application/dicom+json";
    private readonly HttpClient _http;
    private readonly DicomWebOptions _options;
    private readonly X509Certificate2? _ca;

    /// <summary>Creates a client for the server described by <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public DicomWebClient(DicomWebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (options.AllowUntrustedCertificates)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (options.CaCertificateFile is not null)
        {
            _ca = X509CertificateLoader.LoadCertificateFromFile(options.CaCertificateFile);
            X509Certificate2 ca = _ca;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                {
                    return false;
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var server = new X509Certificate2(certificate);
                return chain.Build(server);
            };
        }
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = options.Timeout };
        if (options.UserName is not null)
        {
            string token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.UserName}:{options.Password}"));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
        string root = options.BaseUri.AbsoluteUri.TrimEnd('/') + "/";
        _http.BaseAddress = new Uri(root);
    }

    /// <summary>QIDO-RS: the series of study <paramref name="studyInstanceUid"/>, or the one series <paramref name="seriesInstanceUid"/> when given.</summary>
    /// <exception cref="DicomWebException">The request failed, or the study (or series) is not on the server.</exception>
    public async Task<IReadOnlyList<DicomWebSeries>> SearchSeriesAsync(string studyInstanceUid, string? seriesInstanceUid = null, CancellationToken cancellationToken = default)
    {
        CheckUid(studyInstanceUid, nameof(studyInstanceUid));
        string path = $"studies/{studyInstanceUid}/series?includefield=00201209&includefield=0008103E";
        if (seriesInstanceUid is not null)
        {
            CheckUid(seriesInstanceUid, nameof(seriesInstanceUid));
            path += "&SeriesInstanceUID=" + seriesInstanceUid;
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(DicomJson));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        byte[] body = await SendAsync(request, "QIDO-RS series search", cancellationToken).ConfigureAwait(false);
        var found = new List<DicomWebSeries>();
        if (body.Length > 0)
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                foreach (JsonElement item in doc.RootElement.EnumerateArray())
                {
                    string? uid = Value(item, "0020000E");
                    if (uid is null)
                    {
                        continue;
                    }
                    found.Add(new DicomWebSeries(Value(item, "0020000D") ?? studyInstanceUid, uid, Value(item, "00080060"), Value(item, "00200011"),
                        Value(item, "0008103E"), int.TryParse(Value(item, "00201209"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : null));
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                throw new DicomWebException($"QIDO-RS series search at {Url(path)} answered with something that is not DICOM JSON ({ex.Message})", ex);
            }
        }
        if (seriesInstanceUid is not null)
        {
            found = found.Where(s => s.SeriesInstanceUid == seriesInstanceUid).ToList();
        }
        if (found.Count == 0)
        {
            throw new DicomWebException(seriesInstanceUid is null
                ? $"study {studyInstanceUid} has no series on {_options.BaseUri} (QIDO-RS found nothing): check the Study Instance UID"
                : $"series {seriesInstanceUid} of study {studyInstanceUid} is not on {_options.BaseUri} (QIDO-RS found nothing): check the UIDs",
                HttpStatusCode.NotFound);
        }
        return found;
    }

    /// <summary>
    /// WADO-RS: retrieves every instance of a series as multipart/related application/dicom and writes them as
    /// <c>00001.dcm</c>, <c>00002.dcm</c>, ... into the new folder <paramref name="folder"/>, which appears only when
    /// the whole series has arrived.
    /// </summary>
    /// <returns>The files written.</returns>
    /// <exception cref="DicomWebException">The request failed, the series is empty or the answer is not multipart DICOM.</exception>
    /// <exception cref="IOException"><paramref name="folder"/> already exists.</exception>
    public async Task<IReadOnlyList<string>> RetrieveSeriesAsync(string studyInstanceUid, string seriesInstanceUid, string folder, CancellationToken cancellationToken = default)
    {
        CheckUid(studyInstanceUid, nameof(studyInstanceUid));
        CheckUid(seriesInstanceUid, nameof(seriesInstanceUid));
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string target = Path.GetFullPath(folder);
        if (Directory.Exists(target) || File.Exists(target))
        {
            throw new IOException($"cannot retrieve into '{target}': it already exists");
        }
        string path = $"studies/{studyInstanceUid}/series/{seriesInstanceUid}";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("multipart/related; type=\"application/dicom\""));
        var (body, contentType) = await SendForContentAsync(request, "WADO-RS series retrieval", cancellationToken).ConfigureAwait(false);
        string? boundary = MultipartRelated.Boundary(contentType);
        if (contentType?.MediaType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) != true || boundary is null)
        {
            throw new DicomWebException($"WADO-RS series retrieval at {Url(path)} answered with '{contentType}', not multipart/related application/dicom");
        }
        List<byte[]> parts;
        try
        {
            parts = MultipartRelated.Parse(body, boundary);
        }
        catch (FormatException ex)
        {
            throw new DicomWebException($"WADO-RS series retrieval at {Url(path)}: {ex.Message}", ex);
        }
        if (parts.Count == 0)
        {
            throw new DicomWebException($"WADO-RS series retrieval at {Url(path)} returned no instances", HttpStatusCode.NotFound);
        }
        string parent = Path.GetDirectoryName(target) ?? ".";
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        Directory.CreateDirectory(staging);
        try
        {
            for (int i = 0; i < parts.Count; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(staging, $"{i + 1:D5}.dcm"), parts[i], cancellationToken).ConfigureAwait(false);
            }
            Directory.Move(staging, target);
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
            throw;
        }
        return Enumerable.Range(1, parts.Count).Select(i => Path.Combine(target, $"{i:D5}.dcm")).ToList();
    }

    /// <summary>
    /// STOW-RS: stores Part 10 instances (one request) and checks that the server reports every given SOP Instance
    /// UID as stored.
    /// </summary>
    /// <param name="instances">The Part 10 files' bytes.</param>
    /// <param name="sopInstanceUids">Their SOP Instance UIDs, checked against the answer.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="DicomWebException">The request failed or the server reports an instance as failed or missing.</exception>
    public async Task<DicomWebStoreResult> StoreAsync(IReadOnlyList<byte[]> instances, IReadOnlyList<string> sopInstanceUids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(sopInstanceUids);
        if (instances.Count == 0)
        {
            throw new ArgumentException("nothing to store", nameof(instances));
        }
        var (payload, boundary) = MultipartRelated.Build(instances);
        using var request = new HttpRequestMessage(HttpMethod.Post, "studies");
        var content = new ByteArrayContent(payload);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/related; type=\"application/dicom\"; boundary={boundary}");
        request.Content = content;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(DicomJson));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        byte[] body = await SendAsync(request, "STOW-RS store", cancellationToken, allowConflict: true).ConfigureAwait(false);
        var stored = new List<string>();
        var failed = new List<string>();
        string? retrieveUrl = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            JsonElement root = doc.RootElement;
            retrieveUrl = Value(root, "00081190");
            foreach (JsonElement item in Items(root, "00081199"))
            {
                if (Value(item, "00081155") is string uid)
                {
                    stored.Add(uid);
                }
            }
            foreach (JsonElement item in Items(root, "00081198"))
            {
                failed.Add($"{Value(item, "00081155") ?? "(unknown instance)"} (failure reason {Value(item, "00081197") ?? "not given"})");
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new DicomWebException($"STOW-RS store at {Url("studies")} answered with something that is not DICOM JSON ({ex.Message})", ex);
        }
        if (failed.Count > 0)
        {
            throw new DicomWebException($"STOW-RS store at {Url("studies")}: the server refused {failed.Count} instance(s): {string.Join("; ", failed)}");
        }
        var missing = sopInstanceUids.Where(u => !stored.Contains(u, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            throw new DicomWebException($"STOW-RS store at {Url("studies")}: the server did not confirm storing {string.Join(", ", missing)}");
        }
        return new DicomWebStoreResult(stored, retrieveUrl);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _ca?.Dispose();
    }

    private async Task<byte[]> SendAsync(HttpRequestMessage request, string what, CancellationToken ct, bool allowConflict = false) =>
        (await SendForContentAsync(request, what, ct, allowConflict).ConfigureAwait(false)).Body;

    private async Task<(byte[] Body, MediaTypeHeaderValue? ContentType)> SendForContentAsync(HttpRequestMessage request, string what, CancellationToken ct, bool allowConflict = false)
    {
        string url = request.RequestUri is { IsAbsoluteUri: true } u ? u.ToString() : Url(request.RequestUri?.OriginalString ?? "");
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            byte[] body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode || (allowConflict && response.StatusCode == HttpStatusCode.Conflict))
            {
                return (body, response.Content.Headers.ContentType);
            }
            string detail = body.Length > 0 ? ": " + Shorten(Encoding.UTF8.GetString(body)) : string.Empty;
            int code = (int)response.StatusCode;
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => new DicomWebException(
                    $"{what} at {url} was refused (HTTP 401 Unauthorized): the server needs valid credentials; check the user name and password", response.StatusCode),
                HttpStatusCode.Forbidden => new DicomWebException(
                    $"{what} at {url} was refused (HTTP 403 Forbidden): the user may not do this", response.StatusCode),
                HttpStatusCode.NotFound => new DicomWebException(
                    $"{what} at {url}: not found (HTTP 404); check the UIDs and that the URL is the server's DICOMweb root{detail}", response.StatusCode),
                _ => new DicomWebException(string.Create(CultureInfo.InvariantCulture, $"{what} at {url} failed (HTTP {code} {response.ReasonPhrase}){detail}"), response.StatusCode),
            };
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new DicomWebException(string.Create(CultureInfo.InvariantCulture,
                $"{what} at {url} timed out: no complete answer within {_options.Timeout.TotalSeconds:0.#} s"), null, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new DicomWebException($"{what} at {url} failed: cannot reach the server ({ex.Message})", ex.StatusCode, ex);
        }
    }

    private string Url(string relative) => new Uri(_http.BaseAddress!, relative).ToString();

    private static void CheckUid(string uid, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uid, name);
        if (uid.Length > 64 || uid.Any(c => c != '.' && !char.IsAsciiDigit(c)))
        {
            throw new ArgumentException($"'{uid}' is not a DICOM UID (digits and dots, at most 64 characters).", name);
        }
    }

    private static string? Value(JsonElement item, string tag)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(tag, out JsonElement attribute) || !attribute.TryGetProperty("Value", out JsonElement values)
            || values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
        {
            return null;
        }
        JsonElement v = values[0];
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.Object when v.TryGetProperty("Alphabetic", out var a) => a.GetString(),
            _ => null,
        };
    }

    private static IEnumerable<JsonElement> Items(JsonElement item, string tag) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(tag, out JsonElement a) && a.TryGetProperty("Value", out JsonElement v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().ToList()
            : [];

    private static string Shorten(string text)
    {
        string t = text.ReplaceLineEndings(" ").Trim();
        return t.Length > 300 ? t[..300] + "..." : t;
    }
}
