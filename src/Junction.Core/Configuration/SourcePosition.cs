namespace Junction.Configuration;

/// <summary>A 1-based line and column in the configuration file.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static readonly SourcePosition None = new(0, 0);

    public override string ToString() => Line == 0 ? "" : $"{Line}:{Column}";
}

/// <summary>A value as the user wrote it, with where they wrote it.</summary>
public sealed record Sourced<T>(T Value, SourcePosition Position);
