using Microsoft.ML.Runtime;

namespace ThighSeg.ML;

/// <summary>ML.NET's loader entry point for <see cref="SegmentationTransformer"/>; <typeparamref name="TContext"/> is ML.NET's model-load context.</summary>
internal static class SegmentationTransformerLoader<TContext>
{
    public static SegmentationTransformer Create(IHostEnvironment env, TContext ctx) => SegmentationTransformer.Load(env, ctx!);
}
