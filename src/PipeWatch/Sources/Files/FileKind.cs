using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace PipeWatch.Sources.Files;

/// <summary>What a path is on disk (a regular file, a folder, something else) and its identity (device and inode), from <c>statx(2)</c> on Linux.</summary>
/// <remarks>
/// The base library tells a file from a folder but not a FIFO, socket or device from a regular file, and opening a FIFO
/// that has no writer blocks for ever: a folder walk must know before it opens. <c>statx</c> is used because its result
/// has one layout on every Linux architecture. Where it is missing (another OS, an old libc) every path is
/// <see cref="Kind.Unknown"/> and callers fall back to what the base library knows.
/// </remarks>
internal static class FileKind
{
    public enum Kind
    {
        Unknown,
        Missing,
        Regular,
        Directory,
        Other,
    }

    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;
    private const uint StatxInode = 0x100;
    private const int TypeMask = 0xF000;

    /// <summary>The kind of <paramref name="path"/>, following symlinks, with its device and inode when known.</summary>
    public static (Kind Kind, ulong Device, ulong Inode) Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return (Kind.Unknown, 0, 0);
        var buffer = new byte[256];
        try
        {
            if (Statx(AtCurrentDirectory, path, 0, StatxType | StatxInode, buffer) != 0) return (Kind.Missing, 0, 0);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return (Kind.Unknown, 0, 0);
        }

        // struct statx: stx_mode (u16) at 28, stx_ino (u64) at 32, stx_dev_major and stx_dev_minor (u32) at 136 and 140.
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28)) & TypeMask;
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32));
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(136)) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(140));
        var kind = mode switch
        {
            0x8000 => Kind.Regular,
            0x4000 => Kind.Directory,
            _ => Kind.Other,
        };
        return (kind, device, inode);
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
