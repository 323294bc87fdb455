using System.Net;

namespace Junction.Lab;

/// <summary>
/// One connection the driver opened: the local end it had and the source the server saw
/// (which names the uplink, see <see cref="LabTopology.UplinkOf"/>), or why it failed.
/// </summary>
public sealed record ConnectionOutcome(int Index, IPEndPoint? Local, IPEndPoint? Seen, string? Error)
{
    public bool Ok => Error is null;
}
