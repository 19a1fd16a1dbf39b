namespace ThighSeg.Torch.Artifacts;

/// <summary>What a model artifact holds.</summary>
public enum ModelKind
{
    /// <summary>A pretrained U-Net encoder (no decoder, no classes).</summary>
    Encoder,

    /// <summary>A complete segmentation U-Net with its class map.</summary>
    Segmentation,
}
