using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Processing;
using TurnServer.Relay.Tests.Fakes;
using TurnServer.Testing.Fuzzing;
using Xunit.Abstractions;

namespace TurnServer.Relay.Tests.Fuzzing;

/// <summary>
/// Mutated requests, indications and ChannelData through the whole dispatch, from clients over UDP
/// and TCP with live allocations, permissions and channels, while time passes and sweeps run: nothing
/// may throw, and a well-behaved client is served afterwards.
/// </summary>
public class DispatchFuzzTests(ITestOutputHelper output)
{
    private const string Target = "dispatch";
    private static readonly TransportAddress Peer = TransportAddress.Parse("198.51.100.7:40000");

    [Fact]
    public void MutatedMessages_NeverThrow_AndTheServerServesOn()
    {
        var harness = new EngineHarness();
        var clients = new[] { harness.Client(), harness.Client("198.51.100.11:50000", "bob", "bob-password") };
        clients[1].Protocol = TransportProtocol.Tcp;
        var seeds = new List<byte[]>();
        foreach (var client in clients)
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

        var executions = 0;
        var report = FuzzRunner.Run(Target, seeds, input =>
        {
            var client = clients[executions % clients.Length];
            harness.Send(Resigned(input, client), client.Address, client.Protocol);
            if (++executions % 1000 == 0)
            {
                harness.Time.Advance(TimeSpan.FromSeconds(30));
                harness.Engine.Sweep();
            }
        }, TimeSpan.FromSeconds(10));

        output.WriteLine($"{report.Executions} inputs in {report.Elapsed.TotalSeconds:F1} s, seed {report.Seed}");
        Assert.True(report.Executions > 5_000, $"only {report.Executions} inputs");
        Assert.True(harness.Client("198.51.100.99:50000").Allocate().IsSuccess);
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

    [Fact]
    public void SavedFindings_StayFixed()
    {
        var harness = new EngineHarness();
        var client = harness.Client();
        client.Allocate();
        var inputs = FuzzRunner.Regressions(Target).ToList();

        Assert.NotEmpty(inputs);
        foreach (var input in inputs)
        {
            harness.Send(input, client.Address);
        }

        Assert.True(harness.Client("198.51.100.99:50000").Allocate().IsSuccess);
    }
}
