using TorchSharp;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Element-wise tensor arithmetic that passes every scalar explicitly (see <see cref="Scalars"/>). Use these instead of
/// the <c>+</c> operator, the one-argument <c>add</c>/<c>add_</c> overloads and any operator or method taking a
/// <c>double</c> on training and inference paths (tensor <c>-</c>, <c>*</c> and <c>/</c> take no scalar and are safe).
/// </summary>
internal static class SafeOps
{
    /// <summary><c>a + b</c>.</summary>
    public static torch.Tensor Plus(this torch.Tensor a, torch.Tensor b) => a.add(b, Scalars.One);

    /// <summary><c>a - b</c>.</summary>
    public static torch.Tensor Minus(this torch.Tensor a, torch.Tensor b) => a.sub(b); // no alpha scalar in TorchSharp's sub

    /// <summary><c>a + value</c>.</summary>
    public static torch.Tensor Plus(this torch.Tensor a, double value) => a.add(Scalars.Of(value), Scalars.One);

    /// <summary><c>a · value</c>.</summary>
    public static torch.Tensor Times(this torch.Tensor a, double value) => a.mul(Scalars.Of(value));

    /// <summary><c>value - a</c>.</summary>
    public static torch.Tensor SubtractedFrom(this torch.Tensor a, double value) => a.neg().add(Scalars.Of(value), Scalars.One);
}
