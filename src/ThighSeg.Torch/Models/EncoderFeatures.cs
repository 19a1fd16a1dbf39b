using static TorchSharp.torch;

namespace ThighSeg.Torch.Models;

/// <summary>The encoder's features: the deepest (centre) map and the skip connections, shallowest first.</summary>
/// <param name="Deepest"><c>[N, F·2^depth, H/2^depth, W/2^depth]</c>.</param>
/// <param name="Skips">Level i: <c>[N, F·2^i, H/2^i, W/2^i]</c>, i = 0..depth-1.</param>
internal sealed record EncoderFeatures(Tensor Deepest, IReadOnlyList<Tensor> Skips);
