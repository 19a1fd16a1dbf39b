namespace ThighSeg.Core.Abstractions;

/// <summary>Normalisation layer after each convolution of the U-Net.</summary>
public enum NormKind
{
    /// <summary>Batch normalisation (the reference design).</summary>
    Batch,

    /// <summary>Instance normalisation with learned affine parameters (independent of batch size).</summary>
    Instance,
}
