namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// Tests that measure the process (allocation counters) or run external clients run alone, so that
/// other tests' work does not show up in their figures or compete for the two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SequentialCollection
{
    public const string Name = "Sequential";
}
