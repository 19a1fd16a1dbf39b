using System.Text.Json.Nodes;
using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;

namespace ThighSeg.Experiments;

/// <summary>One opened study: its data, folder, splits, plan, run fingerprints, and the subjects prepared so far.</summary>
internal sealed class Study(Dataset dataset, string output, IReadOnlyList<CaseSplits> splits, IReadOnlyList<string> test, IReadOnlyList<string> unlabeled, IReadOnlyList<StudyRun> plan)
{
    private readonly Dictionary<(string Subject, PreprocessingOptions Options), PreparedSubject> _prepared = [];
    private readonly Dictionary<PreprocessingOptions, Preprocessor> _preprocessors = [];

    /// <summary>The dataset the study runs on.</summary>
    public Dataset Dataset { get; } = dataset;

    /// <summary>The study's output folder (a full path).</summary>
    public string Output { get; } = output;

    /// <summary>The splits of each repeat, by repeat.</summary>
    public IReadOnlyList<CaseSplits> Splits { get; } = splits;

    /// <summary>The test subjects every fine-tuning is evaluated on.</summary>
    public IReadOnlyList<string> Test { get; } = test;

    /// <summary>The unlabelled subjects the pretrainings train on.</summary>
    public IReadOnlyList<string> Unlabeled { get; } = unlabeled;

    /// <summary>The study's runs in execution order (<see cref="StudyPlan.Create"/>).</summary>
    public IReadOnlyList<StudyRun> Plan { get; } = plan;

    /// <summary>The fingerprint of each run's settings, by run index (<see cref="StudyPlan.Fingerprint"/>).</summary>
    public Dictionary<int, string> Fingerprints { get; } = [];

    /// <summary>The <see cref="PreparedSubject.CropWarning"/>s of those of <paramref name="subjects"/> prepared so far with
    /// <paramref name="options"/>, as a JSON array.</summary>
    public JsonArray CropWarnings(IEnumerable<string> subjects, PreprocessingOptions options) =>
        new([.. subjects.Select(s => _prepared.TryGetValue((s, options), out var p) ? p.CropWarning : null).OfType<string>().Select(w => (JsonNode)w)]);

    /// <summary>Loads and preprocesses <paramref name="subject"/> with <paramref name="options"/> once; later calls with
    /// equal options return the same prepared subject.</summary>
    public PreparedSubject Prepare(string subject, PreprocessingOptions options)
    {
        if (!_prepared.TryGetValue((subject, options), out var p))
        {
            if (!_preprocessors.TryGetValue(options, out var preprocessor))
            {
                preprocessor = new Preprocessor(options);
                _preprocessors[options] = preprocessor;
            }
            var loaded = Dataset.Load(subject);
            p = preprocessor.Prepare(loaded.Image, loaded.Labels, subject);
            _prepared[(subject, options)] = p;
        }
        return p;
    }
}
