using Junction.Health;
using Junction.Status;

namespace Junction.Cli.Control;

/// <summary>Who carries out operator requests on the control socket (the daemon); a server without one answers 404.</summary>
public interface IOperatorControl
{
    /// <exception cref="ArgumentException">no such uplink.</exception>
    /// <exception cref="IOException">the state file could not be written; nothing changed.</exception>
    Task<OperatorMode> SetAsync(string uplink, OperatorMode mode);

    OperatorMode Of(string uplink);
}

/// <summary>
/// <c>POST /v1/operator?uplink=NAME&amp;mode=drain|undrain|down|up|auto</c>. <c>undrain</c> is
/// <c>auto</c> for a drained uplink only, so it never releases a forced state by surprise.
/// </summary>
internal static class OperatorEndpoint
{
    public static readonly string[] Modes = ["drain", "undrain", "down", "up", "auto"];

    /// <summary>The reply, or an error message for a 400 (bad request) or 409 (refused).</summary>
    public static async Task<(OperatorReply? Reply, int Status, string? Error)> Handle(IOperatorControl control, string? uplink, string? mode)
    {
        if (string.IsNullOrWhiteSpace(uplink)) return (null, 400, "give the uplink as ?uplink=NAME");
        if (string.IsNullOrWhiteSpace(mode)) return (null, 400, $"give the mode as ?mode=..., one of: {string.Join(", ", Modes)}");
        OperatorMode wanted;
        if (mode == "undrain")
        {
            var now = control.Of(uplink);
            if (now is OperatorMode.Down or OperatorMode.Up)
                return (null, 409, $"uplink '{uplink}' is {OperatorModes.Describe(now)}, not drained: 'junction auto {uplink}' releases it");
            wanted = OperatorMode.Auto;
        }
        else if (!OperatorModes.TryParse(mode, out wanted))
            return (null, 400, $"unknown mode '{mode}': {Junction.Configuration.SuggestPublic.DidYouMean(mode, Modes)}");
        try
        {
            var before = await control.SetAsync(uplink, wanted);
            var message = before == wanted
                ? $"uplink {uplink}: already {Word(wanted)}, nothing changed"
                : $"uplink {uplink}: {Word(before)} -> {Word(wanted)}";
            return (new OperatorReply(uplink, OperatorModes.Word(before), OperatorModes.Word(wanted), message), 200, null);
        }
        catch (ArgumentException e)
        {
            return (null, 400, e.Message);
        }
        catch (IOException e)
        {
            return (null, 500, $"cannot keep the override, nothing changed: {e.Message}");
        }
    }

    private static string Word(OperatorMode mode) => OperatorModes.Describe(mode) ?? "auto (health decides)";
}
