namespace Junction.Configuration;

/// <summary>
/// One problem in a configuration file: where it is, which entity it concerns,
/// what is wrong and how to fix it.
/// </summary>
public sealed record ConfigError(string File, SourcePosition Position, string Entity, string Problem, string? Fix = null)
{
    public override string ToString()
    {
        var where = Position.Line == 0 ? File : $"{File}:{Position}";
        var fix = Fix is null ? "" : $" ({Fix})";
        // Entity and problem echo what the user wrote, which may hold any byte.
        return Printable.Escape($"{where}: {Entity}: {Problem}{fix}");
    }
}

/// <summary>Thrown by <see cref="ConfigLoader"/> when a file has errors; carries all of them.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
