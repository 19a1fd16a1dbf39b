using TorchSharp.Modules;

namespace ThighSeg.Torch.Interop;

/// <summary>A set of parameters that share a learning-rate multiplier.</summary>
/// <param name="Parameters">The parameters.</param>
/// <param name="LearningRateScale">Multiplies the optimizer's learning rate for this group.</param>
internal sealed record ParameterGroup(IReadOnlyList<Parameter> Parameters, double LearningRateScale = 1.0);
