using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Client.Stun;

/// <summary>A Binding request, with CHANGE-REQUEST when NAT discovery asks for one, and FINGERPRINT.</summary>
public static class BindingRequest
{
    public static byte[] Create(TransactionId id, ChangeRequest change = ChangeRequest.None)
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        if (change != ChangeRequest.None)
        {
            writer.WriteChangeRequest(change);
        }

        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }
}
