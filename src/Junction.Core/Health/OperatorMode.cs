using Junction.Model;

namespace Junction.Health;

/// <summary>
/// What an operator said about an uplink (<c>junction drain|down|up|auto NAME</c>); it
/// overrides health until undone, and survives a daemon restart.
/// </summary>
public enum OperatorMode
{
    /// <summary>No override: health decides (the default, and what <c>auto</c> and <c>undrain</c> return to).</summary>
    Auto,
    /// <summary>No new connections; existing ones stay (routes, restore and SNAT kept, nothing flushed).</summary>
    Drain,
    /// <summary>Forced down: like a failed uplink, its connections are flushed (with <c>flush: dead</c>).</summary>
    Down,
    /// <summary>Forced up: takes new connections whatever probes and passive health say (a carrier loss still counts: no route can be had).</summary>
    Up,
}

/// <summary>
/// <see cref="OperatorMode"/>'s words (CLI verbs, the state file, status) through <see cref="Vocabulary.Operator"/>,
/// and how status describes an override.
/// </summary>
public static class OperatorModes
{
    public static string Word(OperatorMode mode) => Vocabulary.Operator.Word(mode);

    /// <summary>How status describes the override; null for <see cref="OperatorMode.Auto"/>.</summary>
    public static string? Describe(OperatorMode mode) => mode switch
    {
        OperatorMode.Drain => "drained",
        OperatorMode.Down => "forced down",
        OperatorMode.Up => "forced up",
        _ => null,
    };

    public static bool TryParse(string word, out OperatorMode mode) => Vocabulary.Operator.TryParse(word, out mode);
}
