namespace Junction.Linux.Interop;

/// <summary>
/// A call into the kernel made in this process failed (a system call, a netlink request,
/// libnftables). Callers that used to catch a failed tool's exit catch this too.
/// </summary>
public abstract class KernelCallException(string message) : Exception(message);
