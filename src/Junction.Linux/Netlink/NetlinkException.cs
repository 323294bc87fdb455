using System.Runtime.InteropServices;
using Junction.Linux.Interop;

namespace Junction.Linux.Netlink;

/// <summary>
/// The kernel refused a netlink request: names the request, errno's words and, when the
/// kernel gave them (extended ACK), its own explanation.
/// </summary>
public sealed class NetlinkException(string request, int errno, string? kernelMessage)
    : KernelCallException($"{request}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}){(string.IsNullOrEmpty(kernelMessage) ? "" : $": {kernelMessage}")}")
{
    public string Request { get; } = request;

    public int Errno { get; } = errno;

    public string? KernelMessage { get; } = kernelMessage;

    /// <summary>errno's words and the kernel's own, without the request (which the caller names already).</summary>
    public string Reason => $"{Marshal.GetPInvokeErrorMessage(Errno)}{(string.IsNullOrEmpty(KernelMessage) ? "" : $" ({KernelMessage})")}";
}
