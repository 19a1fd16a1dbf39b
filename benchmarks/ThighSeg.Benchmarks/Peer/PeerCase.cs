using System.Globalization;
using System.Text.Json.Serialization;

namespace ThighSeg.Benchmarks.Peer;

/// <summary>
/// One side-by-side case of the peer harness, run identically by ThighSeg (TorchSharp) and PyTorch
/// (benchmarks/peer/unet_peer.py). Kinds:
/// <list type="bullet">
/// <item><c>unet-train</c>: U-Net, cross-entropy, Adam (lr 1e-3): zero_grad, forward, loss, backward, step.</item>
/// <item><c>finetune</c>: the fine-tuning step without augmentation: U-Net, cross-entropy + soft Dice, Adam (wd 1e-5).</item>
/// <item><c>pretrain</c>: the pretraining step on given views: encoder + projection head (D = 128), PCL loss, SGD momentum.</item>
/// <item><c>infer</c>: inference: eval mode, no gradients, softmax + argmax.</item>
/// <item><c>loss</c>: contrastive loss (<see cref="Method"/>) forward + backward for <see cref="Embeddings"/> x 128.</item>
/// </list>
/// </summary>
public sealed record PeerCase(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("filters")] int Filters,
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("batch")] int Batch,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("embeddings")] int Embeddings,
    [property: JsonPropertyName("warmup")] int Warmup,
    [property: JsonPropertyName("reps")] int Reps,
    [property: JsonPropertyName("blocks")] int Blocks)
{
    /// <summary>Classes of the segmentation cases (background + 8 muscles).</summary>
    public const int Classes = 9;

    /// <summary>Embedding dimension of the loss and pretraining cases.</summary>
    public const int Dim = 128;

    /// <summary>Depth of every U-Net (the reference's 4 levels).</summary>
    public const int Depth = 4;

    /// <summary>PCL threshold, temperature and base temperature (reference values).</summary>
    public const double Threshold = 0.1, Temperature = 0.1, BaseTemperature = 0.07;

    /// <summary>A short description for the ratio table.</summary>
    public string Describe() => Kind switch
    {
        "loss" => string.Create(CultureInfo.InvariantCulture, $"{Method} loss fwd+bwd, {Embeddings}x{Dim}"),
        "pretrain" => string.Create(CultureInfo.InvariantCulture, $"pretrain step (PCL, SGD) F={Filters} {Size}px 2x{Batch} views"),
        "finetune" => string.Create(CultureInfo.InvariantCulture, $"fine-tune step (CE+Dice, Adam) F={Filters} {Size}px b{Batch}"),
        "infer" => string.Create(CultureInfo.InvariantCulture, $"inference F={Filters} {Size}px b{Batch}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"U-Net train step (CE, Adam) F={Filters} {Size}px b{Batch}"),
    };

    /// <summary>Training-step cases, whose achieved GFLOP/s is reported.</summary>
    public bool IsTraining => Kind is "unet-train" or "finetune" or "pretrain";

    /// <summary>
    /// Convolution FLOPs of one step (2 per multiply-add): forward for inference, 3x forward for training (the backward
    /// pass computes input and weight gradients, each as costly as the forward). Zero for loss cases.
    /// </summary>
    public double Flops()
    {
        if (Kind == "loss")
        {
            return 0;
        }
        int images = Kind == "pretrain" ? 2 * Batch : Batch;
        double macs = UNetMacs(Filters, Size, Depth, Kind == "pretrain" ? 0 : Classes, encoderOnly: Kind == "pretrain") * images;
        double forward = 2 * macs;
        return Kind == "infer" ? forward : 3 * forward;
    }

    /// <summary>Multiply-adds of one image through the U-Net (or its encoder only) built by <c>UNet2d</c>.</summary>
    public static double UNetMacs(int f, int size, int depth, int classes, bool encoderOnly)
    {
        double macs = 0;
        int inCh = 1;
        for (int i = 0; i < depth; i++)
        {
            double px = Math.Pow(size >> i, 2);
            int c = f << i;
            macs += px * 9 * ((double)inCh * c + (double)c * c);
            inCh = c;
        }
        double centrePx = Math.Pow(size >> depth, 2);
        int cc = f << depth;
        macs += centrePx * 9 * ((double)inCh * cc + (double)cc * cc);
        if (encoderOnly)
        {
            return macs;
        }
        inCh = cc;
        for (int i = depth - 1; i >= 0; i--)
        {
            int c = f << i;
            double inPx = Math.Pow(size >> (i + 1), 2);
            double px = Math.Pow(size >> i, 2);
            macs += inPx * 4 * (double)inCh * c; // 2x2 transposed convolution, stride 2
            macs += px * 9 * ((2.0 * c * c) + ((double)c * c));
            inCh = c;
        }
        macs += Math.Pow(size, 2) * f * classes;
        return macs;
    }

    /// <summary>The CPU case list (small batches where the GPU list uses large ones); <paramref name="quick"/> trims reps.</summary>
    public static IReadOnlyList<PeerCase> Cpu(bool quick)
    {
        int r = quick ? 1 : 2;
        var list = new List<PeerCase>
        {
            new("unet-f16-128-b8", "unet-train", 16, 128, 8, "", 0, 1, 2, r + 1),
            new("unet-f32-256-b4", "unet-train", 32, 256, 4, "", 0, 1, 1, r + 1),
            new("unet-f48-352-b1", "unet-train", 48, 352, 1, "", 0, 1, 1, r + 1),
            new("pretrain-f16-96-b32", "pretrain", 16, 96, 32, "pcl", 0, 1, 2, r + 1),
            new("finetune-f16-96-b16", "finetune", 16, 96, 16, "", 0, 1, 2, r + 1),
            new("infer-f16-128-b16", "infer", 16, 128, 16, "", 0, 1, 2, r + 1),
            new("infer-f32-256-b8", "infer", 32, 256, 8, "", 0, 1, 1, r + 1),
            // The library's default network and batches (F = 8, 64 px; fine-tuning b10, pretraining 32 slices): the
            // steps the demo and the issue-13 study run, on which the CPU defaults of PerformanceOptions are chosen.
            new("finetune-f8-64-b10", "finetune", 8, 64, 10, "", 0, 2, 10, r + 1),
            new("pretrain-f8-64-b32", "pretrain", 8, 64, 32, "pcl", 0, 2, 10, r + 1),
            new("infer-f8-64-b16", "infer", 8, 64, 16, "", 0, 2, 10, r + 1),
        };
        foreach (int m in new[] { 256, 1024 })
        {
            foreach (string method in new[] { "pcl", "gcl", "simclr" })
            {
                list.Add(new($"loss-{method}-{m}", "loss", 0, 0, 0, method, m, 2, m >= 1024 ? 3 : 10, r + 2));
            }
        }
        return list;
    }

    /// <summary>Two tiny cases (a U-Net training step and a PCL loss) for the smoke test of the harness itself.</summary>
    public static IReadOnlyList<PeerCase> Smoke() =>
    [
        new("unet-f4-32-b2", "unet-train", 4, 32, 2, "", 0, 1, 1, 1),
        new("infer-f4-32-b2", "infer", 4, 32, 2, "", 0, 1, 1, 1),
        new("pretrain-f4-32-b4", "pretrain", 4, 32, 4, "pcl", 0, 1, 1, 1),
        new("finetune-f4-32-b2", "finetune", 4, 32, 2, "", 0, 1, 1, 1),
        new("loss-gcl-64", "loss", 0, 0, 0, "gcl", 64, 1, 1, 1),
    ];

    /// <summary>The GPU case list: the batch sizes of the measured H200 baselines (docs/platform.md).</summary>
    public static IReadOnlyList<PeerCase> Gpu()
    {
        var list = new List<PeerCase>
        {
            new("unet-f16-128-b8", "unet-train", 16, 128, 8, "", 0, 10, 20, 3),
            new("unet-f32-256-b16", "unet-train", 32, 256, 16, "", 0, 10, 20, 3),
            new("unet-f48-352-b10", "unet-train", 48, 352, 10, "", 0, 10, 20, 3),
            new("pretrain-f16-96-b32", "pretrain", 16, 96, 32, "pcl", 0, 10, 20, 3),
            new("pretrain-f48-256-b32", "pretrain", 48, 256, 32, "pcl", 0, 5, 10, 3),
            new("finetune-f16-96-b16", "finetune", 16, 96, 16, "", 0, 10, 20, 3),
            new("finetune-f48-256-b10", "finetune", 48, 256, 10, "", 0, 5, 10, 3),
            new("infer-f16-128-b16", "infer", 16, 128, 16, "", 0, 10, 20, 3),
            new("infer-f48-352-b32", "infer", 48, 352, 32, "", 0, 5, 10, 3),
        };
        foreach (int m in new[] { 256, 1024 })
        {
            foreach (string method in new[] { "pcl", "gcl", "simclr" })
            {
                list.Add(new($"loss-{method}-{m}", "loss", 0, 0, 0, method, m, 10, 50, 3));
            }
        }
        return list;
    }
}
