using ThighSeg.Core;
using ThighSeg.Core.Abstractions;

namespace ThighSeg.Torch.Training;

/// <summary>The checks every trainer makes before its first step.</summary>
internal static class TrainingInput
{
    /// <summary>
    /// Validates the options (<paramref name="validateOptions"/>) and that slices of <paramref name="sliceSize"/> pass
    /// through <paramref name="network"/>; a failure becomes a <see cref="ThighSegException"/> with the same message
    /// (which names the parameter and the value).
    /// </summary>
    /// <exception cref="ThighSegException">An invalid option, or a slice size that is not a multiple of 2^depth.</exception>
    public static void Check(Action validateOptions, UNetOptions network, (int Height, int Width) sliceSize)
    {
        try
        {
            validateOptions();
            network.ValidateInputSize(sliceSize.Height, sliceSize.Width);
        }
        catch (ArgumentException ex)
        {
            throw new ThighSegException(ex.Message, ex);
        }
    }
}
