namespace TurnServer.Client.Stun;

/// <summary>
/// RFC 8489 section 6.2.1: over UDP a request is sent Rc times, the first wait RTO and each next one
/// doubled, and after the last send the client waits Rm times RTO before giving up (39.5 s with the
/// defaults). Over TCP and TLS it is sent once and given Ti = 39.5 s.
/// </summary>
public sealed record RetransmissionPolicy(TimeSpan InitialRto, int RequestCount, int FinalWaitMultiplier)
{
    public static RetransmissionPolicy Default { get; } = new(TimeSpan.FromMilliseconds(500), 7, 16);

    public static TimeSpan StreamTimeout { get; } = TimeSpan.FromSeconds(39.5);

    /// <summary>How long to wait after each send, one entry per send.</summary>
    public IEnumerable<TimeSpan> Waits()
    {
        var rto = InitialRto;
        for (var send = 1; send < RequestCount; send++)
        {
            yield return rto;
            rto *= 2;
        }

        yield return InitialRto * FinalWaitMultiplier;
    }
}
