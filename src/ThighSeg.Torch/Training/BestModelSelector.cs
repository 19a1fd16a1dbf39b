using System.Globalization;
using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Metrics;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// Model selection for fine-tuning, as a <see cref="TrainingLoop"/> callback: every <c>validateEvery</c> epochs (and
/// after the last) it computes the mean foreground Dice of the network on the validation stacks (argmax, no
/// augmentation, under the run's <see cref="PerformanceOptions"/>; <see cref="DiceMetric.MeanForeground"/>, the formula evaluation uses), keeps a copy of the best
/// weights, and asks the loop to stop after <c>patience</c> validations without improvement when early stopping is on.
/// </summary>
internal sealed class BestModelSelector(UNet2d net, Device device, PerformanceOptions performance, IReadOnlyList<SliceStack> stacks, LabelLookup lookup, int validateEvery, int? patience) : ITrainingCallback
{
    private int _sinceBest;

    /// <summary>The best weights so far (serialised module), or null before the first validation / without validation stacks.</summary>
    public byte[]? Best { get; private set; }

    /// <summary>Epoch of <see cref="Best"/> (0 when none).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Validation Dice of <see cref="Best"/>, or null before the first validation.</summary>
    public double? BestDice { get; private set; }

    public bool OnEpochEnd(TrainingLoop.EpochEnd end)
    {
        if (stacks.Count == 0 || (end.Epoch % validateEvery != 0 && !end.IsLast))
        {
            return false;
        }
        double dice = Validate(net, device, stacks, lookup, performance);
        end.Progress?.Report(new TrainingProgress("validate", end.Epoch, end.Epochs, end.Step, end.TotalSteps, double.NaN, end.LearningRate, end.Elapsed, dice));
        if (BestDice is null || dice > BestDice.Value || (double.IsNaN(BestDice.Value) && !double.IsNaN(dice)))
        {
            BestDice = dice;
            BestEpoch = end.Epoch;
            Best = Serialise(net);
            _sinceBest = 0;
            return false;
        }
        _sinceBest++;
        return patience is int p && _sinceBest >= p;
    }

    public void SaveState(JsonObject extra, List<byte[]> blobs)
    {
        extra["bestEpoch"] = BestEpoch;
        extra["sinceBest"] = _sinceBest;
        if (BestDice is double bd && double.IsFinite(bd))
        {
            extra["bestDice"] = bd;
        }
        if (Best is not null)
        {
            extra["bestBlob"] = blobs.Count;
            blobs.Add(Best);
        }
    }

    public void LoadState(JsonObject extra, IReadOnlyList<byte[]> blobs)
    {
        BestEpoch = extra["bestEpoch"]?.GetValue<int>() ?? 0;
        _sinceBest = extra["sinceBest"]?.GetValue<int>() ?? 0;
        BestDice = extra["bestDice"]?.GetValue<double>();
        Best = extra["bestBlob"]?.GetValue<int>() is int i && i >= 0 && i < blobs.Count ? blobs[i] : null;
    }

    /// <summary>Loads <see cref="Best"/> into the network, when there is one.</summary>
    public void RestoreBest()
    {
        if (Best is null)
        {
            return;
        }
        using var ms = new MemoryStream(Best);
        using var r = new BinaryReader(ms);
        ModuleState.Load(net, r);
    }

    /// <summary>Mean over validation stacks of the mean foreground Dice (argmax prediction, no augmentation).</summary>
    internal static double Validate(UNet2d net, Device device, IReadOnlyList<SliceStack> stacks, LabelLookup lookup, PerformanceOptions? performance = null, int batchSize = 16)
    {
        net.eval();
        using var noGrad = no_grad();
        double sum = 0;
        int n = 0;
        foreach (var stack in stacks)
        {
            var counts = new long[3, lookup.Classes.Count];
            for (int start = 0; start < stack.Depth; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var slices = Enumerable.Range(start, Math.Min(batchSize, stack.Depth - start)).Select(k => new PositionalSlice(stack, k)).ToArray();
                Tensor pred = MixedPrecision.Forward(net, TensorBridge.Images(slices, device), performance ?? PerformanceOptions.Default, device).argmax(1);
                Tensor reference = TensorBridge.Labels(slices, lookup, device);
                var c = SegmentationLoss.OverlapCounts(pred, reference, lookup.Classes.Count);
                for (int i = 0; i < 3; i++)
                {
                    for (int k = 0; k < c.GetLength(1); k++)
                    {
                        counts[i, k] += c[i, k];
                    }
                }
            }
            double d = DiceMetric.MeanForeground(counts);
            if (!double.IsNaN(d))
            {
                sum += d;
                n++;
            }
        }
        net.train();
        return n == 0 ? double.NaN : sum / n;
    }

    private static byte[] Serialise(nn.Module module)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            ModuleState.Save(module, w);
        }
        return ms.ToArray();
    }

    /// <summary>A one-line description for logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"best epoch {BestEpoch}, Dice {BestDice}");
}
