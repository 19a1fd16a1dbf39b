using Microsoft.ML.Runtime;

namespace ThighSeg.ML;

/// <summary>ML.NET's loader entry point for <see cref="PretrainedEncoderTransformer"/>.</summary>
internal static class PretrainedEncoderTransformerLoader<TContext>
{
    public static PretrainedEncoderTransformer Create(IHostEnvironment env, TContext ctx) => PretrainedEncoderTransformer.Load(env, ctx!);
}
