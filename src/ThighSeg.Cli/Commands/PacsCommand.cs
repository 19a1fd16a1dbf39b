using System.CommandLine;
using System.Globalization;
using ThighSeg.IO;
using ThighSeg.IO.Dicom;
using ThighSeg.IO.DicomWeb;
using ThighSeg.Torch.Inference;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg pacs</c>: finds a series on a DICOMweb server (QIDO-RS), retrieves it (WADO-RS), segments it with a
/// fine-tuned model and stores the result as a DICOM-SEG in the same study (STOW-RS). Nothing is stored unless the
/// whole series was retrieved, read and segmented and the SEG was encoded.
/// </summary>
internal static class PacsCommand
{
    /// <summary>Environment variable read for the password when <c>--password</c> is not given.</summary>
    public const string PasswordVariable = "THIGHSEG_DICOMWEB_PASSWORD";

    /// <summary>Modalities that are never the image series to segment.</summary>
    private static readonly HashSet<string> NonImageModalities = new(StringComparer.OrdinalIgnoreCase) { "SEG", "SR", "PR", "KO", "RTSTRUCT", "DOC", "REG" };

    public static Command Create(TextWriter output)
    {
        var url = new Option<string>("--url") { Description = "DICOMweb root of the PACS, e.g. http://127.0.0.1:8042/dicom-web.", Required = true };
        var study = new Option<string>("--study") { Description = "Study Instance UID.", Required = true };
        var series = new Option<string?>("--series") { Description = "Series Instance UID (needed when the study holds several image series)." };
        var model = new Option<string>("--model") { Description = "A fine-tuned model folder (manifest.json + weights).", Required = true };
        var user = new Option<string?>("--user") { Description = $"User name for HTTP basic authentication (password from --password or ${PasswordVariable})." };
        var password = new Option<string?>("--password") { Description = $"Password for HTTP basic authentication (prefer ${PasswordVariable}: command lines are visible to other users)." };
        var caCert = new Option<string?>("--ca-cert") { Description = "PEM/DER certificate of the CA (or self-signed server) to trust for https." };
        var insecure = new Option<bool>("--insecure") { Description = "Accept any https server certificate (testing only)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds allowed for each DICOMweb request.", DefaultValueFactory = _ => 120 };
        var outDir = new Option<string?>("--out") { Description = "Keep the retrieved series and the SEG file in this folder (default: a temporary folder, deleted)." };
        var noStore = new Option<bool>("--no-store") { Description = "Do not store the SEG on the server (with --out: only write it locally)." };
        var tta = new Option<bool>("--tta") { Description = "Flip test-time augmentation (the default, as in predict; kept for old scripts)." };
        var noTta = new Option<bool>("--no-tta") { Description = "Turn off flip test-time augmentation (on by default, as in predict)." };
        var largest = new Option<bool>("--largest-component") { Description = "Keep only the largest connected component of each label per thigh." };
        var device = DeviceOption.Create();
        var cmd = new Command("pacs", "Segment a series from a PACS over DICOMweb (QIDO-RS, WADO-RS) and store the result there as a DICOM-SEG (STOW-RS).");
        foreach (var o in new Option[] { url, study, series, model, user, password, caCert, insecure, timeout, outDir, noStore, tta, noTta, largest, device })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(tta) && parse.GetValue(noTta))
            {
                throw new UsageException("--tta and --no-tta contradict each other; flip TTA is on by default.");
            }
            var web = WebOptions(parse.GetValue(url)!, parse.GetValue(user), parse.GetValue(password) ?? Environment.GetEnvironmentVariable(PasswordVariable),
                parse.GetValue(caCert), parse.GetValue(insecure), parse.GetValue(timeout));
            return Run(output, web, parse.GetValue(study)!, parse.GetValue(series), parse.GetValue(model)!, parse.GetValue(outDir), !parse.GetValue(noStore),
                new VolumePredictionOptions(FlipTta: !parse.GetValue(noTta), KeepLargestComponent: parse.GetValue(largest)), DeviceOption.Get(parse, device));
        });
        return cmd;
    }

    internal static DicomWebOptions WebOptions(string url, string? user, string? password, string? caCert, bool insecure, double timeoutSeconds)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"--url: '{url}' is not an absolute http or https URL.");
        }
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86400)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--timeout: {timeoutSeconds} must be between 0 and 86400 seconds."));
        }
        if (user is not null && password is null)
        {
            throw new UsageException($"--user: a password is needed (--password or ${PasswordVariable}).");
        }
        if (user is null && password is not null)
        {
            password = null; // a password in the environment without --user is not used
        }
        if (caCert is not null && !File.Exists(caCert))
        {
            throw new UsageException($"--ca-cert: file not found: {caCert}");
        }
        if (caCert is not null && insecure)
        {
            throw new UsageException("--ca-cert and --insecure exclude each other.");
        }
        var options = new DicomWebOptions
        {
            BaseUri = uri,
            UserName = user,
            Password = password,
            CaCertificateFile = caCert,
            AllowUntrustedCertificates = insecure,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"--url/--user: {ex.Message}", ex);
        }
        return options;
    }

    internal static int Run(TextWriter output, DicomWebOptions web, string study, string? series, string modelDir, string? outDir, bool store,
        VolumePredictionOptions prediction, Torch.ComputeDevice device)
    {
        if (!Directory.Exists(modelDir))
        {
            throw new UsageException($"--model: folder not found: {modelDir}");
        }
        CheckUid(study, "--study");
        if (series is not null)
        {
            CheckUid(series, "--series");
        }
        if (!store && outDir is null)
        {
            throw new UsageException("--no-store needs --out, or the SEG would go nowhere.");
        }
        using var client = new DicomWebClient(web);
        var found = client.SearchSeriesAsync(study, series).GetAwaiter().GetResult();
        DicomWebSeries chosen;
        if (series is not null)
        {
            chosen = found[0];
        }
        else
        {
            var images = found.Where(s => s.Modality is null || !NonImageModalities.Contains(s.Modality)).ToList();
            if (images.Count != 1)
            {
                string list = string.Join("; ", found.Select(s => $"{s.SeriesInstanceUid} ({s.Modality ?? "?"}, {s.Instances?.ToString(CultureInfo.InvariantCulture) ?? "?"} instances, '{s.SeriesDescription}')"));
                throw new UsageException(images.Count == 0
                    ? $"--study: study {study} holds no image series to segment: {list}"
                    : $"--series: study {study} holds {images.Count} image series; choose one: {list}");
            }
            chosen = images[0];
        }
        output.WriteLine($"series {chosen.SeriesInstanceUid} ({chosen.Modality}, {chosen.Instances?.ToString(CultureInfo.InvariantCulture) ?? "?"} instances, '{chosen.SeriesDescription}')");

        string work = outDir is null ? Directory.CreateTempSubdirectory("thighseg-pacs-").FullName : Path.GetFullPath(outDir);
        try
        {
            Directory.CreateDirectory(work);
            string folder = Path.Combine(work, chosen.SeriesInstanceUid);
            if (Directory.Exists(folder))
            {
                throw new UsageException($"--out: {folder} already exists (from an earlier run?); choose another folder or remove it.");
            }
            var files = client.RetrieveSeriesAsync(study, chosen.SeriesInstanceUid, folder).GetAwaiter().GetResult();
            output.WriteLine($"retrieved {files.Count} instance(s) into {folder}");

            var loaded = new DicomSeriesReader().Read(folder, new VolumeReadOptions { SeriesInstanceUid = chosen.SeriesInstanceUid });
            var source = DicomSourceSeries.Read(folder, chosen.SeriesInstanceUid);
            using var segmenter = VolumeSegmenter.Load(modelDir, device);
            var result = segmenter.Predict(loaded.Image, prediction, chosen.SeriesInstanceUid);
            var (bytes, summary) = DicomSegWriter.Encode(result.Labels, segmenter.Model.Classes, source);
            output.WriteLine($"segmented {loaded.Image.Shape}: SEG {summary.SopInstanceUid} with {summary.Segments} segment(s), {summary.Frames} frame(s)");
            if (outDir is not null)
            {
                string segFile = Path.Combine(work, chosen.SeriesInstanceUid + ".seg.dcm");
                Core.AtomicFile.WriteAllBytes(segFile, bytes);
                output.WriteLine($"wrote {segFile}");
            }
            if (store)
            {
                var stored = client.StoreAsync([bytes], [summary.SopInstanceUid]).GetAwaiter().GetResult();
                output.WriteLine($"stored SEG {summary.SopInstanceUid} in study {study} as series {summary.SeriesInstanceUid}{(stored.RetrieveUrl is null ? "" : $" ({stored.RetrieveUrl})")}");
            }
            return CliApp.ExitOk;
        }
        finally
        {
            if (outDir is null && Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static void CheckUid(string uid, string flag)
    {
        if (uid.Length is 0 or > 64 || uid.Any(c => c != '.' && !char.IsAsciiDigit(c)))
        {
            throw new UsageException($"{flag}: '{uid}' is not a DICOM UID (digits and dots, at most 64 characters).");
        }
    }
}
