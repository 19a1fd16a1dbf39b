namespace ThighSeg.IO.DicomWeb;

/// <summary>What a STOW-RS store reported.</summary>
/// <param name="StoredSopInstanceUids">SOP Instance UIDs the server says it stored (Referenced SOP Sequence).</param>
/// <param name="RetrieveUrl">The study's Retrieve URL, when the server gives one.</param>
public sealed record DicomWebStoreResult(IReadOnlyList<string> StoredSopInstanceUids, string? RetrieveUrl);
