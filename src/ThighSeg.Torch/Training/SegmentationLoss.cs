using ThighSeg.Torch.Interop;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// Cross-entropy plus an optional soft Dice term for logits <c>[N, C, H, W]</c> and class indices <c>[N, H, W]</c>:
/// <c>L = CE + w · (1 − mean_{c≥1} (2 Σ p·y + ε) / (Σ p + Σ y + ε))</c>, Dice pooled over the batch (foreground classes only).
/// </summary>
internal static class SegmentationLoss
{
    private const double Smooth = 1e-5;

    public static Tensor Compute(Tensor logits, Tensor target, double diceWeight)
    {
        Tensor ce = nn.functional.cross_entropy(logits, target);
        if (diceWeight <= 0)
        {
            return ce;
        }
        return ce.Plus(SoftDiceLoss(logits, target).Times(diceWeight));
    }

    public static Tensor SoftDiceLoss(Tensor logits, Tensor target)
    {
        long c = logits.shape[1];
        Tensor probs = nn.functional.softmax(logits, 1);
        Tensor onehot = nn.functional.one_hot(target, c).permute(0, 3, 1, 2).to_type(probs.dtype);
        long[] dims = [0, 2, 3];
        Tensor inter = probs.mul(onehot).sum(dims);
        Tensor denom = probs.sum(dims).Plus(onehot.sum(dims));
        Tensor dice = inter.Times(2).Plus(Smooth).div(denom.Plus(Smooth));
        return dice.narrow(0, 1, c - 1).mean().SubtractedFrom(1);
    }

    /// <summary>
    /// Per-class overlap counts of a prediction against a reference (class indices, same shape, same device):
    /// <c>[3, C]</c> rows intersection, predicted, reference. One host transfer per call.
    /// </summary>
    public static long[,] OverlapCounts(Tensor predicted, Tensor reference, int classes)
    {
        using var scope = NewDisposeScope();
        Tensor p = predicted.flatten();
        Tensor r = reference.flatten();
        Tensor inter = r.masked_select(p.eq(r)).bincount(null, classes);
        Tensor pc = p.bincount(null, classes);
        Tensor rc = r.bincount(null, classes);
        using Tensor all = stack([inter, pc, rc]).to(CPU);
        var data = all.data<long>();
        var result = new long[3, classes];
        for (int i = 0; i < 3; i++)
        {
            for (int k = 0; k < classes; k++)
            {
                result[i, k] = data[(i * classes) + k];
            }
        }
        return result;
    }
}
