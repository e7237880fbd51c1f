using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Tests.Fakes;

namespace TurnServer.Relay.Tests.Fuzzing;

/// <summary>
/// The whole dispatch as a fuzz target: an engine with two clients (UDP and TCP) that hold
/// allocations, permissions and channels, fed one input at a time while time passes and sweeps run.
/// The AFL++ harness (tests/TurnServer.Fuzz) and the replay of its checked-in inputs drive it.
/// </summary>
internal sealed class DispatchTarget
{
    private static readonly TransportAddress Peer = TransportAddress.Parse("198.51.100.7:40000");
    private readonly TestClient[] _clients;
    private long _executions;

    public DispatchTarget()
    {
        _clients = [Harness.Client(), Harness.Client("198.51.100.11:50000", "bob", "bob-password")];
        _clients[1].Protocol = TransportProtocol.Tcp;
        var seeds = new List<byte[]>();
        foreach (var client in _clients)
        {
            client.Allocate();
            client.ChannelBind(0x4001, Peer.ToString());

            // Without FINGERPRINT, a mutation that is not signed again is still read past the CRC check.
            client.AddFingerprint = false;
            seeds.Add(client.Build(StunMethod.Refresh, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, 600), TransactionId.NewRandom(), signed: true));
            seeds.Add(client.Build(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, Peer), TransactionId.NewRandom(), signed: true));
            seeds.Add(client.Build(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
            {
                w.WriteChannelNumber(0x4002);
                w.WriteXorAddress(StunAttributeType.XorPeerAddress, Peer.WithPort(40001));
            }, TransactionId.NewRandom(), signed: true));
            seeds.Add(client.Build(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), TransactionId.NewRandom(), signed: true));
            seeds.Add(client.Build(StunMethod.Connect, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, Peer), TransactionId.NewRandom(), signed: true));
            seeds.Add(client.Build(StunMethod.Send, (ref StunMessageWriter w) =>
            {
                w.WriteXorAddress(StunAttributeType.XorPeerAddress, Peer);
                w.WriteAttribute(StunAttributeType.Data, "data"u8);
            }, TransactionId.NewRandom(), signed: false, StunClass.Indication));
            seeds.Add(client.Build(StunMethod.Binding, null, TransactionId.NewRandom(), signed: false));
        }

        var channelData = new byte[ChannelDataMessage.GetStreamLength(3)];
        ChannelDataMessage.Write(channelData, 0x4001, [1, 2, 3], padForStream: true);
        seeds.Add(channelData);
        Seeds = seeds;
    }

    public EngineHarness Harness { get; } = new();

    /// <summary>Messages the clients would send, to start mutating from.</summary>
    public IReadOnlyList<byte[]> Seeds { get; }

    public void Run(byte[] input)
    {
        var client = _clients[_executions % _clients.Length];
        Harness.Send(Resigned(input, client), client.Address, client.Protocol);
        if (++_executions % 1000 == 0)
        {
            Harness.Time.Advance(TimeSpan.FromSeconds(30));
            Harness.Engine.Sweep();
        }
    }

    /// <summary>
    /// Half the mutated requests are signed again with the client's key (and fingerprinted), so that
    /// mutations reach the handlers behind authentication instead of all ending in a 401.
    /// </summary>
    private static byte[] Resigned(byte[] input, TestClient client)
    {
        if (input.Length % 2 == 0 || StunMessage.Read(input, out var message) != StunReadStatus.Ok || !message.HasAttribute(StunAttributeType.MessageIntegrity))
        {
            return input;
        }

        var writer = new StunMessageWriter(new byte[input.Length + 64], message.Type, message.TransactionId);
        foreach (var attribute in message.Attributes)
        {
            if (attribute.Type is StunAttributeType.MessageIntegrity or StunAttributeType.MessageIntegritySha256 or StunAttributeType.Fingerprint)
            {
                break;
            }

            writer.WriteAttribute(attribute.Type, attribute.Value);
        }

        writer.WriteMessageIntegrity(client.Key());
        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }
}
