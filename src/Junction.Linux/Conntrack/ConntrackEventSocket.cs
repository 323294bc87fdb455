using System.Runtime.InteropServices;
using Junction.Linux.Interop;

namespace Junction.Linux.Conntrack;

/// <summary>
/// A netlink socket subscribed to conntrack's event groups in the calling thread's network
/// namespace: the count keeper's (NEW, DESTROY) and passive health's (NEW, UPDATE, DESTROY).
/// </summary>
internal static class ConntrackEventSocket
{
    /// <param name="receiveBuffer">bytes; forced past net.core.rmem_max when the process may (a burst of events must not overflow it).</param>
    /// <param name="groups">NFNLGRP_CONNTRACK_* (<see cref="Ctnetlink.GroupNew"/> …).</param>
    public static unsafe FileDescriptor Subscribe(int receiveBuffer, params int[] groups)
    {
        var fd = new FileDescriptor(Libc.Socket(Libc.AfNetlink, Libc.SockRaw | Libc.SockCloexec, NetlinkAbi.NetfilterProtocol));
        if (fd.IsInvalid) throw SyscallException.Last("socket(AF_NETLINK, NETLINK_NETFILTER)");
        try
        {
            var size = receiveBuffer;
            if (Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoRcvbufForce, &size, sizeof(int)) != 0)
                Libc.SetSockOpt(fd, Libc.SolSocket, Libc.SoRcvbuf, &size, sizeof(int));
            var address = new Libc.SockaddrNl { Family = Libc.AfNetlink };
            if (Libc.Bind(fd, &address, sizeof(Libc.SockaddrNl)) != 0) throw SyscallException.Last("bind(AF_NETLINK, NETLINK_NETFILTER)");
            foreach (var group in groups)
            {
                var g = group;
                if (Libc.SetSockOpt(fd, NetlinkAbi.SolNetlink, NetlinkAbi.AddMembership, &g, sizeof(int)) != 0)
                    throw SyscallException.Last($"setsockopt(NETLINK_ADD_MEMBERSHIP {group}, conntrack events)");
            }
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One queued datagram into <paramref name="buffer"/> without waiting: its length, or -1
    /// when the queue is empty. Events the kernel dropped (ENOBUFS) call <paramref name="lost"/>
    /// and the reading goes on.
    /// </summary>
    public static unsafe int Receive(FileDescriptor fd, byte[] buffer, Action lost)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = buffer) n = Libc.Recv(fd, p, buffer.Length, Libc.MsgDontWait);
            if (n >= 0) return (int)n;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.Enobufs) lost();
            else if (errno == Libc.Eagain) return -1;
            else if (errno != Libc.Eintr) throw new SyscallException("recv(conntrack events)", errno);
        }
    }
}
