namespace ThighSeg.Core;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its handler synchronously on the reporting thread, in order
/// (unlike <see cref="Progress{T}"/>, which posts to the thread pool when there is no synchronisation context).
/// </summary>
/// <typeparam name="T">The progress value.</typeparam>
/// <param name="handler">Called for every report, on the caller's thread.</param>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    private readonly Action<T> _handler = handler ?? throw new ArgumentNullException(nameof(handler));

    /// <inheritdoc />
    public void Report(T value) => _handler(value);
}
