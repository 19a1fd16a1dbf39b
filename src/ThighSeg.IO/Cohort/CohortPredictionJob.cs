using System.Collections.Concurrent;
using System.Diagnostics;
using ThighSeg.Core;
using ThighSeg.Core.Data;
using ThighSeg.Core.Imaging;
using ThighSeg.Core.Tables;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Dicom;

namespace ThighSeg.IO.Cohort;

/// <summary>
/// Predicts a cohort safely and resumably: for each case of this shard, skips it when its completion record shows it
/// done from the same input, model and settings with intact outputs; else reads it, segments it, and writes its label
/// map and per-case tables atomically between a <c>started</c> and a <c>done</c> record (see <see cref="CohortOutput"/>).
/// A failing case is recorded and the job goes on. Outputs this tool did not write, or wrote from another input or
/// model, are never replaced unless <see cref="CohortJobOptions.Overwrite"/> is set.
/// </summary>
/// <remarks>
/// Three threads overlap the work: a reader checks records, reads the next cases and runs the segmenter's
/// <see cref="ICaseSegmenter{TPrepared, TNetworkOutput}.Prepare"/> stage (at most <see cref="CohortJobOptions.ReadAhead"/>
/// cases ahead), the calling thread runs the network stage (so a network's thread-bound state never leaves it: only
/// arrays cross threads), and a writer runs the <see cref="ICaseSegmenter{TPrepared, TNetworkOutput}.Finish"/> stage and
/// writes label maps, tables and records. The cohort tables are rebuilt at the end when this is the only shard, or when
/// every case of the list has settled (done or failed), which makes the last shard to finish build them.
/// </remarks>
public sealed class CohortPredictionJob
{
    private readonly VolumeFormats _formats;
    private readonly CohortOutput _output;
    private readonly CohortJobOptions _options;

    /// <summary>Creates a job writing into <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public CohortPredictionJob(VolumeFormats formats, CohortOutput output, CohortJobOptions options)
    {
        _formats = formats ?? throw new ArgumentNullException(nameof(formats));
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>
    /// Refuses an output folder whose outputs would replace an input: the output folder is the input folder or a DICOM
    /// series folder of the list, or some case's output path is some case's input file.
    /// </summary>
    /// <exception cref="CohortException">Naming the input and the output.</exception>
    public void CheckNoInputReplaced(IReadOnlyList<CohortCase> cases, string? inputRoot)
    {
        ArgumentNullException.ThrowIfNull(cases);
        string outDir = Path.TrimEndingDirectorySeparator(_output.Directory);
        if (inputRoot is not null && string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(inputRoot)), outDir, StringComparison.Ordinal))
        {
            throw new CohortException($"The output folder {outDir} is the input folder: label maps would be written over or among the inputs; choose another output folder.");
        }
        var sources = new HashSet<string>(cases.Select(c => Path.TrimEndingDirectorySeparator(Path.GetFullPath(c.Source))), StringComparer.Ordinal);
        if (sources.Contains(outDir))
        {
            throw new CohortException($"The output folder {outDir} is an input DICOM series folder; choose another output folder.");
        }
        foreach (var c in cases)
        {
            foreach (string path in _output.OutputPaths(c.Id, _options.Outputs, _options.Tables))
            {
                if (sources.Contains(path))
                {
                    throw new CohortException($"The output {path} of case '{c.Id}' would replace an input; choose another output folder.");
                }
            }
        }
    }

    /// <summary>Runs this shard of <paramref name="cases"/> (the full sorted list, as <see cref="CohortCases"/> gives it)
    /// with a one-stage segmenter: reading and writing overlap the network, preprocessing does not (see the
    /// <see cref="Run{TPrepared, TNetworkOutput}"/> overload).</summary>
    /// <param name="cases">Every case of the cohort, sorted by id.</param>
    /// <param name="segment">Segments one image (called on the calling thread only): image and case id to label map in the image's geometry.</param>
    /// <param name="classes">The model's classes (label names are embedded in the label maps).</param>
    /// <param name="progress">Called after each case (from the calling or the writer thread, never concurrently), or null.</param>
    /// <param name="cancellation">Stops after the cases in flight; finished cases stay done.</param>
    /// <exception cref="CohortException">An output would replace an input.</exception>
    public CohortSummary Run(IReadOnlyList<CohortCase> cases, Func<Volume<float>, string, Volume<int>> segment, LabelMap classes,
        Action<CohortProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return Run(cases, new OneStage(segment), classes, progress, cancellation);
    }

    /// <summary>Runs this shard of <paramref name="cases"/> (the full sorted list, as <see cref="CohortCases"/> gives it)
    /// with a staged segmenter: reading and <see cref="ICaseSegmenter{TPrepared, TNetworkOutput}.Prepare"/> on the reader
    /// thread, the network on the calling thread, <see cref="ICaseSegmenter{TPrepared, TNetworkOutput}.Finish"/> and
    /// writing on the writer thread, so the network never waits for file or preprocessing work.</summary>
    /// <param name="cases">Every case of the cohort, sorted by id.</param>
    /// <param name="segmenter">The three stages of one case's segmentation.</param>
    /// <param name="classes">The model's classes (label names are embedded in the label maps).</param>
    /// <param name="progress">Called after each case (from the calling or the writer thread, never concurrently), or null.</param>
    /// <param name="cancellation">Stops after the cases in flight; finished cases stay done.</param>
    /// <exception cref="CohortException">An output would replace an input.</exception>
    public CohortSummary Run<TPrepared, TNetworkOutput>(IReadOnlyList<CohortCase> cases, ICaseSegmenter<TPrepared, TNetworkOutput> segmenter, LabelMap classes,
        Action<CohortProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(segmenter);
        ArgumentNullException.ThrowIfNull(classes);
        CheckNoInputReplaced(cases, null);
        var mine = _options.Shard.Select(cases);
        var clock = Stopwatch.StartNew();
        var gate = new object();
        int done = 0, skipped = 0;
        var failed = new List<(string, string)>();

        void End(CohortCase c, CaseOutcome outcome, string? message)
        {
            lock (gate)
            {
                switch (outcome)
                {
                    case CaseOutcome.Done: done++; break;
                    case CaseOutcome.Skipped: skipped++; break;
                    default: failed.Add((c.Id, message ?? "")); break;
                }
                progress?.Invoke(new CohortProgress(c.Id, outcome, message, done, skipped, failed.Count, mine.Count, clock.Elapsed));
            }
        }

        void Fail(CohortCase c, string message)
        {
            try
            {
                _output.Fail(c, message);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                message += $" (and the failure could not be recorded: {ex.Message})";
            }
            End(c, CaseOutcome.Failed, message);
        }

        using var loaded = new BlockingCollection<Work<TPrepared, TNetworkOutput>>(_options.ReadAhead);
        using var predicted = new BlockingCollection<Work<TPrepared, TNetworkOutput>>(_options.ReadAhead);
        var reader = new Thread(() => Read(mine, segmenter, loaded, cancellation)) { IsBackground = true, Name = "thighseg-cohort-reader" };
        var writer = new Thread(() =>
        {
            foreach (var w in predicted.GetConsumingEnumerable())
            {
                string? error = Write(w, segmenter, classes);
                if (error is null)
                {
                    End(w.Case, CaseOutcome.Done, null);
                }
                else
                {
                    Fail(w.Case, error);
                }
            }
        }) { IsBackground = true, Name = "thighseg-cohort-writer" };
        reader.Start();
        writer.Start();
        try
        {
            foreach (var w in loaded.GetConsumingEnumerable())
            {
                if (w.Error is not null)
                {
                    Fail(w.Case, w.Error);
                    continue;
                }
                if (w.Prepared is null)
                {
                    End(w.Case, CaseOutcome.Skipped, null);
                    continue;
                }
                if (cancellation.IsCancellationRequested)
                {
                    continue; // drain what the reader already read
                }
                try
                {
                    var output = segmenter.Segment(w.Prepared.Value);
                    if (!cancellation.IsCancellationRequested)
                    {
                        predicted.Add(w with { Output = new Box<TNetworkOutput>(output) });
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Fail(w.Case, $"prediction failed: {ex.Message}");
                }
            }
        }
        finally
        {
            predicted.CompleteAdding();
            writer.Join();
            reader.Join();
        }
        bool collect = _options.Shard.IsAll || cases.All(c => _output.IsSettled(c.Id));
        if (collect)
        {
            _output.Collect(_options.Tables);
        }
        cancellation.ThrowIfCancellationRequested();
        return new CohortSummary(mine.Count, done, skipped, failed.OrderBy(f => f.Item1, StringComparer.Ordinal).ToList(), collect, clock.Elapsed);
    }

    private void Read<TPrepared, TNetworkOutput>(IReadOnlyList<CohortCase> mine, ICaseSegmenter<TPrepared, TNetworkOutput> segmenter,
        BlockingCollection<Work<TPrepared, TNetworkOutput>> loaded, CancellationToken cancellation)
    {
        try
        {
            foreach (var c in mine)
            {
                if (cancellation.IsCancellationRequested)
                {
                    break;
                }
                Work<TPrepared, TNetworkOutput> work;
                try
                {
                    var check = _output.Check(c, _options.ModelFingerprint, _options.Settings, _options.Outputs, _options.Tables, _options.Overwrite);
                    work = check.Action switch
                    {
                        _ when check.Action != CaseAction.Skip && _options.Outputs.HasFlag(CohortOutputKinds.DicomSeg) && !CohortCases.IsDicom(c) =>
                            new(c, check, null, null, null, $"{c.Source} is not a DICOM series: a DICOM-SEG references its source DICOM images, so it can only be written for a DICOM series input; write a NIfTI label map for this case instead"),
                        CaseAction.Skip => new(c, check, null, null, null, null),
                        CaseAction.Conflict => new(c, check, null, null, null, $"not replaced: {check.Reason}"),
                        _ => Prepare(c, check, _formats.Read(c.Source, c.ReadOptions).Image, segmenter),
                    };
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    work = new(c, null, null, null, null, $"cannot read {c.Source}: {ex.Message}");
                }
                loaded.Add(work);
            }
        }
        finally
        {
            loaded.CompleteAdding();
        }
    }

    private static Work<TPrepared, TNetworkOutput> Prepare<TPrepared, TNetworkOutput>(CohortCase c, CaseCheck check, Volume<float> image,
        ICaseSegmenter<TPrepared, TNetworkOutput> segmenter)
    {
        try
        {
            return new(c, check, image, new Box<TPrepared>(segmenter.Prepare(image, c.Id)), null, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new(c, check, null, null, null, $"preprocessing failed: {ex.Message}");
        }
    }

    private string? Write<TPrepared, TNetworkOutput>(Work<TPrepared, TNetworkOutput> w, ICaseSegmenter<TPrepared, TNetworkOutput> segmenter, LabelMap classes)
    {
        Volume<int> labels;
        try
        {
            labels = segmenter.Finish(w.Prepared!.Value, w.Output!.Value);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"prediction failed: {ex.Message}";
        }
        try
        {
            string input = w.Check!.InputFingerprint;
            _output.Begin(w.Case, input, _options.ModelFingerprint, _options.Settings);
            string id = w.Case.Id;
            // The SEG is encoded before anything is written, so a series it cannot reference fails the case with no output.
            byte[]? seg = _options.Outputs.HasFlag(CohortOutputKinds.DicomSeg)
                ? DicomSegWriter.Encode(labels, classes, DicomSourceSeries.Read(w.Case.Source, w.Case.ReadOptions.SeriesInstanceUid), _options.SegOptions).Bytes
                : null;
            Directory.CreateDirectory(Path.GetDirectoryName(_output.LabelPath(id))!);
            if (_options.Outputs.HasFlag(CohortOutputKinds.Nifti))
            {
                _formats.WriteLabels(_output.LabelPath(id), labels, classes.Names);
            }
            if (seg is not null)
            {
                AtomicFile.WriteAllBytes(_output.SegPath(id), seg);
            }
            if (_options.Outputs.HasFlag(CohortOutputKinds.Preview))
            {
                string png = _output.PreviewPath(id);
                Directory.CreateDirectory(Path.GetDirectoryName(png)!);
                PreviewRenderer.WriteCasePreview(png, w.Image!, labels, classes, new PreviewOptions { Title = id });
            }
            var tableInput = new CaseTableInput(w.Case.Id, w.Image!, labels, classes);
            foreach (var table in _options.Tables)
            {
                var csv = new CsvWriter(table.Columns);
                foreach (var row in table.Rows(tableInput))
                {
                    csv.AddRow(row);
                }
                csv.WriteAtomically(_output.TablePath(w.Case.Id, table.Name));
            }
            _output.Complete(w.Case, input, _options.ModelFingerprint, _options.Settings, _output.OutputPaths(id, _options.Outputs, _options.Tables));
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"cannot write the outputs: {ex.Message}";
        }
    }

    /// <summary>One case between the stages: its check, the image as read (for the tables), the prepared input and the
    /// network's output (boxed, so that null means "not yet" whatever the type arguments), or the error that ended it.</summary>
    private sealed record Work<TPrepared, TNetworkOutput>(CohortCase Case, CaseCheck? Check, Volume<float>? Image, Box<TPrepared>? Prepared,
        Box<TNetworkOutput>? Output, string? Error);

    private sealed record Box<T>(T Value);

    /// <summary>A one-stage segmenter as a staged one: everything in <see cref="Segment"/>, on the calling thread.</summary>
    private sealed class OneStage(Func<Volume<float>, string, Volume<int>> segment) : ICaseSegmenter<(Volume<float> Image, string Id), Volume<int>>
    {
        public (Volume<float> Image, string Id) Prepare(Volume<float> image, string caseId) => (image, caseId);

        public Volume<int> Segment((Volume<float> Image, string Id) prepared) => segment(prepared.Image, prepared.Id);

        public Volume<int> Finish((Volume<float> Image, string Id) prepared, Volume<int> output) => output;
    }
}
