namespace TurnServer.TurnUtil;

/// <summary>Public STUN servers tried when none is named (only on a command line: tests always name theirs).</summary>
internal static class DefaultServers
{
    public static IReadOnlyList<string> Stun { get; } = ["stun.l.google.com:19302", "stun.cloudflare.com:3478"];
}
