namespace Junction.Kernel.Tests.Ha;

/// <summary>
/// The HA tests run alone, after every other test: each keeps two routers' daemons,
/// keepalived at 10 adverts a second and 200 connections echoing 10 times a second busy,
/// so on a loaded 2-core machine they and the other tests' timing stay out of each
/// other's way.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HaCollection
{
    public const string Name = "HA pair";
}
