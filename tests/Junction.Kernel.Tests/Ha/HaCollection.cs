namespace Junction.Kernel.Tests.Ha;

/// <summary>
/// The HA tests run alone, after every other test: each keeps two routers' daemons,
/// keepalived at 10 adverts a second and 200 connections echoing 10 times a second busy,
/// which on a loaded 2-core machine starved other tests' timing (a SIGHUP not handled
/// within a daemon test's 10 s, seen once in a full run), and theirs starve these.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HaCollection
{
    public const string Name = "HA pair";
}
