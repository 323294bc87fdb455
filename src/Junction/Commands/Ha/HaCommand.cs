using System.CommandLine;

namespace Junction.Cli.Commands.Ha;

/// <summary><c>junction ha</c>: what a keepalived/conntrackd pair needs from Junction.</summary>
internal static class HaCommand
{
    public static Command Create() => new("ha",
        "High availability: two routers with the same Junction file, keepalived (VRRP) moving the virtual addresses " +
        "and conntrackd (FTFW) replicating connections with their marks and NAT bindings. See docs/high-availability.md.")
    {
        HaRenderCommand.Create(),
    };
}
