using System.Globalization;
using System.Runtime.InteropServices;

namespace ThighSeg.Core;

/// <summary>
/// Checks made on an input file before it is opened: it must be a regular file (after following symbolic links), not a
/// FIFO, socket or device, so that opening or reading it cannot block forever or stream without end
/// (<c>/dev/zero</c>); and a bounded whole-file read for small text inputs (<c>labels.json</c>, manifests).
/// </summary>
/// <remarks>
/// On Unix the file type comes from <c>stat(2)</c> through the .NET runtime's own native shim (<c>libSystem.Native</c>,
/// the library <see cref="File"/> itself uses), which reports the type in portable constants on every architecture.
/// On Windows every existing file counts as regular. Thread-safe.
/// </remarks>
public static class InputFile
{
    private const int TypeMask = 0xF000;
    private const int Fifo = 0x1000;
    private const int CharDevice = 0x2000;
    private const int DirectoryType = 0x4000;
    private const int BlockDevice = 0x6000;
    private const int Regular = 0x8000;
    private const int Socket = 0xC000;

    /// <summary>
    /// Null when <paramref name="path"/> is an existing regular file (symbolic links followed); otherwise what it is, for
    /// a message: <c>"a FIFO (named pipe)"</c>, <c>"a character device"</c>, <c>"missing"</c>, ...
    /// </summary>
    public static string? NotRegularReason(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!OperatingSystem.IsWindows())
        {
            var status = new byte[256]; // the runtime's FileStatus struct is smaller; Flags (int32) then Mode (int32)
            if (NativeStat(path, status) != 0)
            {
                return Directory.Exists(path) ? "a folder" : File.Exists(path) ? "a dangling or unreadable link" : "missing";
            }
            int mode = BitConverter.ToInt32(status, 4) & TypeMask;
            return mode switch
            {
                Regular => null,
                Fifo => "a FIFO (named pipe)",
                CharDevice => "a character device",
                BlockDevice => "a block device",
                Socket => "a socket",
                DirectoryType => "a folder",
                _ => string.Create(CultureInfo.InvariantCulture, $"not a regular file (type 0x{mode:X4})"),
            };
        }
        if (Directory.Exists(path))
        {
            return "a folder";
        }
        return File.Exists(path) ? null : "missing";
    }

    /// <summary>True when <paramref name="path"/> is an existing regular file (symbolic links followed).</summary>
    public static bool IsRegular(string path) => NotRegularReason(path) is null;

    /// <summary>
    /// Reads a whole regular file of at most <paramref name="maxBytes"/> bytes as UTF-8 text, refusing anything else
    /// before opening it (the file is re-checked by length after opening).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The largest accepted size.</param>
    /// <param name="error">Makes the caller's exception type from a message (which already names the file).</param>
    public static string ReadAllText(string path, long maxBytes, Func<string, Exception> error)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (NotRegularReason(path) is string why)
        {
            throw error($"{path}: not a regular file ({why}); ThighSeg reads inputs only from regular files.");
        }
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (fs.Length > maxBytes)
            {
                throw error(string.Create(CultureInfo.InvariantCulture, $"{path}: the file is {fs.Length} bytes, more than the {maxBytes} bytes accepted for it."));
            }
            using var reader = new StreamReader(fs, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: false));
            return reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw error($"{path}: cannot read the file ({ex.Message}).");
        }
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int NativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] status);
}
