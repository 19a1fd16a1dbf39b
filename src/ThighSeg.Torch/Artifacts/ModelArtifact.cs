using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Artifacts;

/// <summary>
/// Reads and writes model artifacts: a folder with <c>manifest.json</c> and the TorchSharp weights file. Weights are
/// written first and the manifest last, each atomically (temporary file + rename), so a folder with a manifest is
/// complete. Any problem reading one raises <see cref="ModelFormatException"/> naming the folder and what is wrong.
/// </summary>
public static class ModelArtifact
{
    /// <summary>The manifest format this version writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Manifest file name.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>Largest number of network parameters a manifest may declare (2^29, 2 GiB of float32 weights).</summary>
    public const long MaxParameters = 1L << 29;

    /// <summary>Largest estimated activation memory of one inference slice (2 GiB) a manifest's network and preprocessing may need.</summary>
    public const long MaxActivationBytesPerSlice = 2L << 30;

    /// <summary>Largest manifest.json read (1 MiB).</summary>
    public const long MaxManifestBytes = 1 << 20;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// An upper estimate of the parameters of a U-Net: two 3x3 convolutions per level in the encoder and the decoder,
    /// the centre block and the up-convolutions, <c>≈ 36·F²·(4^(D+1) − 1)/3</c>.
    /// </summary>
    public static double EstimatedParameters(UNetOptions network)
    {
        ArgumentNullException.ThrowIfNull(network);
        double f = network.BaseFilters;
        return 36 * f * f * (Math.Pow(4, network.Depth + 1) - 1) / 3;
    }

    /// <summary>
    /// Refuses, before any tensor exists, a network (and an input size, when the preprocessing names one) whose weights
    /// or per-slice activations would exceed <see cref="MaxParameters"/> or <see cref="MaxActivationBytesPerSlice"/>.
    /// </summary>
    /// <exception cref="ModelFormatException">Over budget; the message names the file and the numbers.</exception>
    public static void CheckBudget(UNetOptions network, int? inputSize, string source)
    {
        ArgumentNullException.ThrowIfNull(network);
        double parameters = EstimatedParameters(network);
        if (parameters > MaxParameters)
        {
            throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: the network (baseFilters {network.BaseFilters}, depth {network.Depth}) would have about {parameters:G3} parameters, more than the budget of {MaxParameters} ({MaxParameters * 4.0 / (1 << 30):0.#} GiB of weights); refusing to allocate it."));
        }
        if (inputSize is int size)
        {
            // Activations of one slice: ~8 float32 feature maps of F channels at full resolution (the coarser levels add
            // a geometric third), the dominant cost of inference.
            double bytes = (double)size * size * network.BaseFilters * 4 * 8;
            if (bytes > MaxActivationBytesPerSlice)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{source}: a {size}x{size} input to a network with baseFilters {network.BaseFilters} needs about {bytes / (1 << 30):0.#} GiB of activations per slice, more than the budget of {MaxActivationBytesPerSlice / (double)(1 << 30):0.#} GiB; refusing the model."));
            }
        }
    }

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    internal static string Sha256(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(fs));
    }

    private static int? InputSizeOf(JsonObject? preprocessing)
    {
        if (preprocessing is null)
        {
            return null;
        }
        foreach (var (name, value) in preprocessing)
        {
            if (string.Equals(name, "TargetSize", StringComparison.OrdinalIgnoreCase) && value is JsonValue v && v.TryGetValue(out int size))
            {
                return size;
            }
        }
        return null;
    }

    /// <summary>Reads and validates the manifest of the artifact in <paramref name="directory"/>.</summary>
    /// <exception cref="ModelFormatException">Missing folder or manifest, malformed JSON, unknown format version or values.</exception>
    public static ModelManifest ReadManifest(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string path = Path.Combine(directory, ManifestFile);
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"No model found in '{directory}': {ManifestFile} is missing.");
        }
        string text = InputFile.ReadAllText(path, MaxManifestBytes, message => new ModelFormatException(message));
        try
        {
            var root = JsonNode.Parse(text)?.AsObject() ?? throw new ModelFormatException($"{path} is empty.");
            int version = Req(root, "formatVersion").GetValue<int>();
            if (version != CurrentFormatVersion)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path} has model format version {version}; this ThighSeg reads version {CurrentFormatVersion}."));
            }
            var kind = Enum.Parse<ModelKind>(Req(root, "kind").GetValue<string>(), ignoreCase: true);
            if (!Enum.IsDefined(kind))
            {
                throw new ModelFormatException($"{path}: unknown model kind '{kind}'.");
            }
            var net = Req(root, "network").AsObject();
            var network = new UNetOptions(
                Req(net, "baseFilters").GetValue<int>(),
                Req(net, "depth").GetValue<int>(),
                Enum.Parse<NormKind>(Req(net, "norm").GetValue<string>(), ignoreCase: true),
                Req(net, "inChannels").GetValue<int>());
            LabelMap? classes = null;
            if (root["labels"] is JsonArray labels)
            {
                var values = new List<int>();
                var names = new Dictionary<int, string>();
                foreach (var l in labels)
                {
                    int v = Req(l?.AsObject() ?? throw new ModelFormatException($"{path}: the label list holds a null entry."), "value").GetValue<int>();
                    values.Add(v);
                    if (l["name"]?.GetValue<string>() is string n)
                    {
                        names[v] = n;
                    }
                }
                if (values.Distinct().Count() != values.Count || !values.Contains(0))
                {
                    throw new ModelFormatException($"{path}: the label list must hold distinct values including 0.");
                }
                classes = LabelMap.FromNames(values.Select(v => KeyValuePair.Create(v, names.TryGetValue(v, out string? n) ? n : $"label_{v.ToString(CultureInfo.InvariantCulture)}")));
                if (classes.Count != values.Count)
                {
                    throw new ModelFormatException($"{path}: the label list must hold distinct values including 0.");
                }
            }
            if (kind == ModelKind.Segmentation && (classes is null || classes.Count < 2))
            {
                throw new ModelFormatException($"{path}: a segmentation model needs at least two labels.");
            }
            var t = Req(root, "training").AsObject();
            var training = new TrainingProvenance(
                Req(t, "method").GetValue<string>(),
                Req(t, "seed").GetValue<int>(),
                Req(t, "epochs").GetValue<int>(),
                Req(t, "steps").GetValue<long>(),
                (t["subjects"] as JsonArray)?.Select(s => s?.GetValue<string>() ?? throw new ModelFormatException($"{path}: training.subjects holds a null entry.")).ToList() ?? [],
                t["options"] as JsonObject is { } o ? (JsonObject)o.DeepClone() : null,
                t["device"]?.GetValue<string>() ?? "",
                t["createdUtc"]?.GetValue<string>() ?? "",
                t["initialisation"]?.GetValue<string>());
            var preprocessing = root["preprocessing"] as JsonObject;
            CheckBudget(network, InputSizeOf(preprocessing), path);
            string? sha = root["weightsSha256"]?.GetValue<string>();
            if (sha is not null && (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower)))
            {
                throw new ModelFormatException($"{path}: weightsSha256 must be 64 lower-case hex digits.");
            }
            string weights = Req(root, "weights").GetValue<string>();
            if (weights.Contains('/', StringComparison.Ordinal) || weights.Contains('\\', StringComparison.Ordinal) || weights.StartsWith('.'))
            {
                throw new ModelFormatException($"{path}: invalid weights file name '{weights}'.");
            }
            return new ModelManifest(
                version,
                kind,
                network,
                classes,
                root["embeddingDim"]?.GetValue<int>() ?? 0,
                preprocessing is not null ? (JsonObject)preprocessing.DeepClone() : null,
                training,
                weights)
            {
                WeightsSha256 = sha,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new ModelFormatException($"{path} is not a valid ThighSeg model manifest: {ex.Message}", ex);
        }
    }

    /// <summary>Writes weights (via <paramref name="module"/>.save) then the manifest, each atomically.</summary>
    internal static void Write(string directory, ModelManifest manifest, nn.Module module)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, manifest.WeightsFile), stream =>
        {
            using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            ModuleState.Save(module, w);
            w.Flush();
        });
        var root = ToJson(manifest);
        root["weightsSha256"] = Sha256(Path.Combine(directory, manifest.WeightsFile));
        var json = root.ToJsonString(Indented);
        AtomicFile.Write(Path.Combine(directory, ManifestFile), stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>Loads the weights file of an artifact into <paramref name="module"/> (strict: every parameter must match).</summary>
    internal static void LoadWeights(string directory, ModelManifest manifest, nn.Module module)
    {
        string path = Path.Combine(directory, manifest.WeightsFile);
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"The model in '{directory}' is incomplete: weights file {manifest.WeightsFile} is missing.");
        }
        if (InputFile.NotRegularReason(path) is string why)
        {
            throw new ModelFormatException($"{path}: the weights file is not a regular file ({why}).");
        }
        if (manifest.WeightsSha256 is string expected)
        {
            string actual = Sha256(path);
            if (actual != expected)
            {
                throw new ModelFormatException($"{path}: the weights are corrupt: their SHA-256 is {actual}, but the manifest records {expected}. Restore the file or retrain.");
            }
        }
        try
        {
            using var fs = File.OpenRead(path);
            using var r = new BinaryReader(fs);
            ModuleState.Load(module, r);
            if (fs.Position != fs.Length)
            {
                throw new ModelFormatException($"{path} has trailing data; the weights do not match the manifest.");
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"The weights in {path} are corrupt or do not match the manifest's network ({ex.Message}).", ex);
        }
    }

    /// <summary>
    /// Copies the encoder of the artifact in <paramref name="directory"/> (an encoder or a segmentation model) into
    /// <paramref name="target"/>.
    /// </summary>
    /// <exception cref="ModelFormatException">Missing/corrupt artifact, or a network configuration different from the target's.</exception>
    internal static ModelManifest LoadEncoderInto(string directory, UNetEncoder target)
    {
        var manifest = ReadManifest(directory);
        var a = manifest.Network;
        var b = target.Options;
        if (a.BaseFilters != b.BaseFilters || a.Depth != b.Depth || a.Norm != b.Norm || a.InChannels != b.InChannels)
        {
            throw new ModelFormatException(
                $"The pretrained model in '{directory}' has network F={a.BaseFilters}, depth {a.Depth}, {a.Norm} norm, {a.InChannels} channel(s); " +
                $"fine-tuning was configured with F={b.BaseFilters}, depth {b.Depth}, {b.Norm} norm, {b.InChannels} channel(s). Use the same network options.");
        }
        if (manifest.Kind == ModelKind.Encoder)
        {
            using var scratch = new UNetEncoder(a);
            LoadWeights(directory, manifest, scratch);
            CopyState(scratch, target);
        }
        else
        {
            using var scratch = new UNet2d(a, manifest.Classes!.Count, seed: 0);
            LoadWeights(directory, manifest, scratch);
            CopyState(scratch.Encoder, target);
        }
        return manifest;
    }

    internal static void CopyState(nn.Module source, nn.Module target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var src = source.state_dict();
        var dst = target.state_dict();
        foreach (var (name, t) in dst)
        {
            if (!src.TryGetValue(name, out var s) || !s.shape.SequenceEqual(t.shape))
            {
                throw new ModelFormatException($"Encoder tensor '{name}' is missing or has another shape in the pretrained model.");
            }
            t.copy_(s);
        }
    }

    private static JsonObject ToJson(ModelManifest m)
    {
        var root = new JsonObject
        {
            ["formatVersion"] = m.FormatVersion,
            ["kind"] = m.Kind.ToString().ToLowerInvariant(),
            ["network"] = new JsonObject
            {
                ["architecture"] = "unet2d",
                ["baseFilters"] = m.Network.BaseFilters,
                ["depth"] = m.Network.Depth,
                ["norm"] = m.Network.Norm.ToString().ToLowerInvariant(),
                ["inChannels"] = m.Network.InChannels,
            },
        };
        if (m.Classes is not null)
        {
            root["labels"] = new JsonArray(m.Classes.Values.Select((v, i) =>
            {
                var o = new JsonObject { ["classIndex"] = i, ["value"] = v };
                if (m.Classes.Names.TryGetValue(v, out string? n))
                {
                    o["name"] = n;
                }
                return (JsonNode?)o;
            }).ToArray());
        }
        if (m.EmbeddingDim > 0)
        {
            root["embeddingDim"] = m.EmbeddingDim;
        }
        root["preprocessing"] = m.Preprocessing?.DeepClone();
        root["training"] = new JsonObject
        {
            ["method"] = m.Training.Method,
            ["seed"] = m.Training.Seed,
            ["epochs"] = m.Training.Epochs,
            ["steps"] = m.Training.Steps,
            ["subjects"] = new JsonArray(m.Training.Subjects.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
            ["options"] = m.Training.Options?.DeepClone(),
            ["device"] = m.Training.Device,
            ["createdUtc"] = m.Training.CreatedUtc,
            ["initialisation"] = m.Training.Initialisation,
            ["thighSegVersion"] = TorchBackend.InformationalVersion(typeof(ModelArtifact).Assembly),
        };
        root["weights"] = m.WeightsFile;
        return root;
    }

    private static JsonNode Req(JsonObject o, string name) =>
        o[name] ?? throw new ModelFormatException($"Manifest field '{name}' is missing.");

    /// <summary>Options serialised for provenance (enums as names).</summary>
    public static JsonObject OptionsJson(object options)
    {
        var so = new JsonSerializerOptions();
        so.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        return JsonSerializer.SerializeToNode(options, options.GetType(), so)!.AsObject();
    }
}
