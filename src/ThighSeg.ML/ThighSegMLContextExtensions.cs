using Microsoft.ML;

namespace ThighSeg.ML;

/// <summary>Entry point of ThighSeg's ML.NET API: <c>mlContext.ThighSeg()</c>.</summary>
public static class ThighSegMLContextExtensions
{
    /// <summary>
    /// ThighSeg's catalog of estimators on <paramref name="mlContext"/>. Calling it also registers ThighSeg's model
    /// loaders with the context's component catalog, which <c>mlContext.Model.Load</c> needs to read a saved ThighSeg
    /// transformer: call it once on a fresh context before loading (idempotent, cheap).
    /// </summary>
    public static ThighSegCatalog ThighSeg(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new ThighSegCatalog(mlContext);
    }
}
