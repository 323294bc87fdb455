using Junction.Bench.Lab;

namespace Junction.Bench.Contenders;

/// <summary>One way of spreading the router's connections: Junction or what users would use instead.</summary>
public interface IContender
{
    /// <summary>Short, for tables and plots.</summary>
    string Name { get; }

    /// <summary>What exactly is installed, for the report.</summary>
    string Description { get; }

    /// <summary>Installs on a router that <see cref="RouterReset"/> just cleaned.</summary>
    void Install(BenchLab lab, RouterSetup setup);
}
