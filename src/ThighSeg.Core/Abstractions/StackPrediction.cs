using ThighSeg.Core.Data;

namespace ThighSeg.Core.Abstractions;

/// <summary>The prediction for one stack, in the stack's network space.</summary>
/// <param name="Labels">Label values (from <see cref="ISegmentationModel.Classes"/>), layout as <see cref="SliceStack.Image"/>.</param>
/// <param name="Probabilities">Per-class probabilities (index = class index, each array laid out as <see cref="SliceStack.Image"/>), or null when not requested.</param>
public sealed record StackPrediction(int[] Labels, IReadOnlyList<float[]>? Probabilities);
