using System.Diagnostics;
using System.Globalization;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Randomness;
using ThighSeg.IO;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;

namespace ThighSeg.Fuzz;

/// <summary>
/// Runs seeded mutated inputs through the parsers, one at a time on a fresh thread with a wall-clock cap, measuring the
/// managed bytes the parsing thread allocates and the process's working-set growth. Allowed outcomes: success or the
/// parser's own exception type (<see cref="VolumeFormatException"/> for NIfTI and DICOM, <see cref="DatasetException"/>
/// for labels.json and manifest.csv, <see cref="ModelFormatException"/> for model manifests); anything else, a timeout
/// or memory over the cap is a finding.
/// </summary>
internal sealed class FuzzRunner
{
    /// <summary>The <see cref="Seeds"/> stream of fuzz inputs (index: the input's position in the run).</summary>
    public const int FuzzStream = 15;

    private readonly FuzzOptions _options;
    private readonly FuzzCorpus _corpus;

    public FuzzRunner(FuzzOptions options, FuzzCorpus corpus)
    {
        _options = options;
        _corpus = corpus;
    }

    /// <summary>The exception type <paramref name="target"/>'s parser may throw for bad input.</summary>
    public static Type AllowedException(FuzzTarget target) => target switch
    {
        FuzzTarget.Nifti or FuzzTarget.DicomFile or FuzzTarget.DicomSeries => typeof(VolumeFormatException),
        FuzzTarget.Labels or FuzzTarget.DatasetManifest => typeof(DatasetException),
        _ => typeof(ModelFormatException),
    };

    /// <summary>Input <paramref name="index"/> of the run (the same run seed and corpus give the same input).</summary>
    public FuzzInput Make(long index)
    {
        var target = _options.Targets[(int)(index % _options.Targets.Count)];
        var rng = new Random(Seeds.Derive(_options.Seed, FuzzStream, index));
        var seeds = _corpus.SeedsOf(target);
        int pick = rng.Next(seeds.Count);
        var (name, bytes) = seeds[pick];
        var other = seeds[rng.Next(seeds.Count)].Bytes;
        var (mutated, what) = FuzzMutator.Mutate(target, bytes, other, rng);
        return new FuzzInput(index, target, mutated, name, what, target == FuzzTarget.DicomSeries ? pick : 0);
    }

    /// <summary>Parses <paramref name="input"/> the way a user's file reaches the parser (written to disk under <paramref name="folder"/>).</summary>
    public void Parse(FuzzInput input, string folder)
    {
        Directory.CreateDirectory(folder);
        switch (input.Target)
        {
            case FuzzTarget.Nifti:
                {
                    bool gz = input.Bytes.Length > 2 && input.Bytes[0] == 0x1f && input.Bytes[1] == 0x8b;
                    string path = Path.Combine(folder, gz ? "x.nii.gz" : "x.nii");
                    File.WriteAllBytes(path, input.Bytes);
                    VolumeFormats.Default.Read(path);
                    break;
                }
            case FuzzTarget.DicomFile:
                {
                    string path = Path.Combine(folder, "x.dcm");
                    File.WriteAllBytes(path, input.Bytes);
                    VolumeFormats.Default.Read(path);
                    break;
                }
            case FuzzTarget.DicomSeries:
                {
                    string series = Path.Combine(folder, "series");
                    Directory.CreateDirectory(series);
                    var slices = _corpus.Series[input.SeriesIndex];
                    File.WriteAllBytes(Path.Combine(series, "s0.dcm"), input.Bytes);
                    File.WriteAllBytes(Path.Combine(series, "s1.dcm"), slices[1]);
                    File.WriteAllBytes(Path.Combine(series, "s2.dcm"), slices[2]);
                    VolumeFormats.Default.Read(series);
                    break;
                }
            case FuzzTarget.Labels:
                {
                    string path = Path.Combine(folder, "labels.json");
                    File.WriteAllBytes(path, input.Bytes);
                    LabelMap.Load(path);
                    break;
                }
            case FuzzTarget.DatasetManifest:
                {
                    string path = Path.Combine(folder, "manifest.csv");
                    File.WriteAllBytes(path, input.Bytes);
                    DatasetManifest.Load(path, checkFiles: false);
                    break;
                }
            default:
                {
                    File.WriteAllBytes(Path.Combine(folder, ModelArtifact.ManifestFile), input.Bytes);
                    var manifest = ModelArtifact.ReadManifest(folder);
                    if (manifest.Preprocessing is not null)
                    {
                        VolumeSegmenter.ReadPreprocessing(manifest.Preprocessing, folder);
                    }
                    break;
                }
        }
    }

    /// <summary>Runs the whole run; <paramref name="log"/> gets a progress line every 1,000 inputs.</summary>
    public FuzzReport Run(TextWriter? log = null)
    {
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var findings = new List<FuzzFinding>();
        var wall = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;
        string slowestInput = "-";
        long largestAlloc = 0, largestGrowth = 0;
        string largestAllocInput = "-";
        using var process = Process.GetCurrentProcess();
        Directory.CreateDirectory(_options.WorkDirectory);
        try
        {
            for (long i = 0; i < _options.Inputs; i++)
            {
                var input = Make(i);
                string folder = Path.Combine(_options.WorkDirectory, i.ToString(CultureInfo.InvariantCulture));
                process.Refresh();
                long workingBefore = process.WorkingSet64, peakBefore = process.PeakWorkingSet64;
                var (completed, elapsed, allocated, error) = RunCapped(input, folder);
                process.Refresh();
                long growth = process.PeakWorkingSet64 > peakBefore ? process.PeakWorkingSet64 - workingBefore : 0;
                string label = $"#{i} {input.Target} {input.SeedName} [{input.Mutations}]";
                if (elapsed > slowest)
                {
                    (slowest, slowestInput) = (elapsed, label);
                }
                if (allocated > largestAlloc)
                {
                    (largestAlloc, largestAllocInput) = (allocated, label);
                }
                largestGrowth = Math.Max(largestGrowth, growth);

                string outcome;
                FuzzFinding? finding = null;
                if (!completed)
                {
                    outcome = "timeout";
                    finding = new FuzzFinding(input, "timeout", string.Create(CultureInfo.InvariantCulture, $"still running after {_options.TimeCap.TotalSeconds:F0} s"), null);
                }
                else if (error is not null && !AllowedException(input.Target).IsInstanceOfType(error))
                {
                    outcome = "unexpected " + error.GetType().Name;
                    finding = new FuzzFinding(input, "exception", error.ToString(), null);
                }
                else
                {
                    outcome = error is null ? "accepted" : "refused (" + error.GetType().Name + ")";
                    if (allocated > _options.MemoryCapBytes || growth > _options.MemoryCapBytes)
                    {
                        finding = new FuzzFinding(input, "memory",
                            string.Create(CultureInfo.InvariantCulture, $"allocated {allocated} bytes, working set grew {growth} bytes (cap {_options.MemoryCapBytes})"), null);
                    }
                }
                string key = $"{input.Target}: {outcome}";
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
                if (finding is not null)
                {
                    findings.Add(finding with { SavedAs = Save(finding) });
                }
                if (completed)
                {
                    TryDelete(folder);
                }
                if (log is not null && (i + 1) % 1000 == 0)
                {
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz: {i + 1}/{_options.Inputs} inputs, {findings.Count} finding(s), {wall.Elapsed.TotalSeconds:F0} s"));
                }
            }
        }
        finally
        {
            TryDelete(_options.WorkDirectory);
        }
        process.Refresh();
        int seeds = _options.Targets.Sum(t => _corpus.SeedsOf(t).Count);
        return new FuzzReport(_options.Inputs, seeds, _corpus.ThirdPartyFiles, outcomes, findings, wall.Elapsed, slowest, slowestInput,
            largestAlloc, largestAllocInput, largestGrowth, process.PeakWorkingSet64);
    }

    /// <summary>Parses on a fresh thread; returns whether it finished within the cap, the time, the thread's allocated bytes and the exception.</summary>
    public (bool Completed, TimeSpan Elapsed, long Allocated, Exception? Error) RunCapped(FuzzInput input, string folder)
    {
        Exception? error = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                Parse(input, folder);
            }
#pragma warning disable CA1031 // the fuzzer classifies every exception: that is its job
            catch (Exception ex)
#pragma warning restore CA1031
            {
                error = ex;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        })
        { IsBackground = true, Name = "fuzz-input" };
        var sw = Stopwatch.StartNew();
        thread.Start();
        bool completed = thread.Join(_options.TimeCap);
        sw.Stop();
        return (completed, sw.Elapsed, allocated, error);
    }

    private string? Save(FuzzFinding finding)
    {
        if (_options.FindingsDirectory is null)
        {
            return null;
        }
        Directory.CreateDirectory(_options.FindingsDirectory);
        string stem = Path.Combine(_options.FindingsDirectory,
            string.Create(CultureInfo.InvariantCulture, $"seed{_options.Seed}-{finding.Input.Index:D6}-{finding.Input.Target}-{finding.Kind}"));
        File.WriteAllBytes(stem + ".bin", finding.Input.Bytes);
        File.WriteAllText(stem + ".txt",
            $"target: {finding.Input.Target}\nseries: {finding.Input.SeriesIndex}\nseed file: {finding.Input.SeedName}\nmutations: {finding.Input.Mutations}\n" +
            $"kind: {finding.Kind}\nreplay: dotnet run --project tests/ThighSeg.Fuzz -c Release -- --replay {stem}.bin --target {finding.Input.Target} --series {finding.Input.SeriesIndex}\n\n{finding.Detail}\n");
        return stem + ".bin";
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a timed-out parse may still hold a file open
        }
    }
}
