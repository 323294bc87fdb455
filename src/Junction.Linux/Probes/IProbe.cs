using Junction.Health;
using Junction.Model;

namespace Junction.Linux.Probes;

/// <summary>One way of asking a target whether it can be reached through an uplink.</summary>
public interface IProbe
{
    /// <summary>
    /// Sends one probe. The socket is made before this method returns (in the calling
    /// thread's network namespace); a failure is a result, never an exception, except
    /// for cancellation by <paramref name="cancel"/>.
    /// </summary>
    Task<ProbeResult> SendAsync(ProbeTarget target, TimeSpan timeout, CancellationToken cancel);
}
