using System.Runtime.InteropServices;

namespace Junction.Linux.Interop;

/// <summary>
/// An eventfd a reader thread keeps in its poll or epoll set next to its sockets, so it can
/// block without a timeout and still be told to stop: waking every 100 ms to look at a stop
/// flag was ten wake-ups a second per reader while nothing happened.
/// </summary>
internal sealed partial class StopEvent : IDisposable
{
    private const int EfdCloexec = 0x80000, EfdNonblock = 0x800;

    public StopEvent() => Fd = ProbeCalls.Own(EventFd(0, EfdCloexec | EfdNonblock), "eventfd");

    public FileDescriptor Fd { get; }

    /// <summary>Makes the descriptor readable: a thread polling it wakes.</summary>
    public unsafe void Set()
    {
        ulong one = 1;
        Write(Fd, &one, sizeof(ulong));
    }

    /// <summary>Makes the descriptor unreadable again, for an event that wakes a thread more than once.</summary>
    public unsafe void Clear()
    {
        ulong count;
        Read(Fd, &count, sizeof(ulong));
    }

    public void Dispose() => Fd.Dispose();

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(FileDescriptor fd, void* buffer, nint length);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(FileDescriptor fd, void* buffer, nint length);
}
