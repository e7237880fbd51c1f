using TurnServer.Coordinator.Candidates;

namespace TurnServer.Coordinator.Checks;

/// <summary>One side's ufrag and password: the checks it accepts must carry the one and be signed with the other.</summary>
internal sealed record CheckCredentials(string Ufrag, string Password)
{
    public static CheckCredentials New()
    {
        var (ufrag, password) = SessionDescription.NewCredentials();
        return new CheckCredentials(ufrag, password);
    }
}
