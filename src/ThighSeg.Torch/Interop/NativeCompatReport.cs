namespace ThighSeg.Torch.Interop;

/// <summary>The outcome of <see cref="NativeCompat.Ensure"/>.</summary>
/// <param name="Status">What was done.</param>
/// <param name="OriginalLibrary">The libLibTorchSharp.so that TorchSharp would load, when found.</param>
/// <param name="PatchedLibrary">The patched copy that is loaded instead, when <see cref="NativeCompatStatus.Patched"/>.</param>
/// <param name="MissingVersions">The libstdc++ versions that the system lacks.</param>
public sealed record NativeCompatReport(NativeCompatStatus Status, string? OriginalLibrary, string? PatchedLibrary, IReadOnlyList<string> MissingVersions);
