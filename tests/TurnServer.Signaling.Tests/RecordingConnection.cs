using TurnServer.Signaling.Hub;
using TurnServer.Signaling.Messages;

namespace TurnServer.Signaling.Tests;

/// <summary>A connection that keeps what the hub sends it, and can play a peer that stopped reading.</summary>
internal sealed class RecordingConnection(string peerId) : ISignalingConnection
{
    public string PeerId { get; } = peerId;

    public List<SignalingMessage> Sent { get; } = [];

    public SignalingClose? ClosedWith { get; private set; }

    public bool Full { get; set; }

    public bool TrySend(SignalingMessage message)
    {
        if (Full)
        {
            return false;
        }

        // Through the wire format, so a test sees what a peer would read.
        Sent.Add(SignalingMessage.Parse(message.ToUtf8()) ?? throw new InvalidOperationException("the hub sent what does not parse"));
        return true;
    }

    public void Close(SignalingClose reason) => ClosedWith = reason;

    public SignalingMessage Last => Sent[^1];

    public IEnumerable<SignalingMessage> OfType(string type) => Sent.Where(m => m.Type == type);
}
