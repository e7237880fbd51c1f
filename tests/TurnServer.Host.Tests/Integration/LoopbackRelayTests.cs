using System.Net;
using System.Net.Sockets;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;
using Xunit.Abstractions;

namespace TurnServer.Host.Tests.Integration;

/// <summary>The running server on loopback, driven over real sockets, with its default (batched on Linux) UDP loops.</summary>
[Collection(SequentialCollection.Name)]
#pragma warning disable CA1063 // The portable variant only changes the server's arguments.
public class LoopbackRelayTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
#pragma warning restore CA1063
{
    private ServerFixture _server = null!;
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync(ServerArgs);
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _peer.ReceiveTimeout = 3000;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    protected virtual string[] ServerArgs => [];

#pragma warning disable CA1063, CA1816
    public void Dispose() => _peer.Dispose();
#pragma warning restore CA1063, CA1816

    private TransportAddress PeerAddress => TransportAddress.FromIPEndPoint((IPEndPoint)_peer.LocalEndPoint!);

    [Fact]
    public void Binding_ReturnsTheClientsAddressAsTheServerSawIt()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        var response = client.Exchange(client.Build(StunMethod.Binding, null, signed: false));
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(response, out var message));
        Assert.True(message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out var mapped));
        Assert.Equal(TransportAddress.FromIPEndPoint(client.LocalEndPoint), mapped);
    }

    [Fact]
    public void SendIndicationsAndDataIndications_CarryDataBothWays()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        var relayed = client.Allocate();
        Assert.Null(UdpTurnClient.ErrorCode(client.Request(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, PeerAddress))));

        client.Send(client.Build(StunMethod.Send, (ref StunMessageWriter w) =>
        {
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, PeerAddress);
            w.WriteAttribute(StunAttributeType.Data, "hello peer"u8);
        }, signed: false, StunClass.Indication));

        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        var length = _peer.ReceiveFrom(buffer, ref from);
        Assert.Equal("hello peer"u8.ToArray(), buffer[..length]);
        Assert.Equal(relayed, TransportAddress.FromIPEndPoint((IPEndPoint)from));

        _peer.SendTo("hello client"u8.ToArray(), from);
        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(client.Receive(), out var indication));
        Assert.Equal(new StunMessageType(StunMethod.Data, StunClass.Indication), indication.Type);
        Assert.True(indication.TryGetXorAddress(StunAttributeType.XorPeerAddress, out var peer));
        Assert.Equal(PeerAddress, peer);
        Assert.True(indication.TryGetAttribute(StunAttributeType.Data, out var data));
        Assert.Equal("hello client"u8.ToArray(), data.ToArray());
    }

    [Fact]
    public void ChannelData_FlowsBothWays_AndAllocatesNothingPerPacketOnTheServer()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        var relayed = client.Allocate();
        Assert.Null(UdpTurnClient.ErrorCode(client.Request(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.WriteChannelNumber(0x4001);
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, PeerAddress);
        })));

        var toPeer = new byte[ChannelDataMessage.HeaderLength + 100];
        ChannelDataMessage.Write(toPeer, 0x4001, new byte[100], padForStream: false);
        var buffer = new byte[2048];
        var relayEndPoint = new SocketAddress(AddressFamily.InterNetwork);
        var serverEndPoint = _server.EndPoint.Serialize();
        var from = new SocketAddress(AddressFamily.InterNetwork);

        // Client -> server -> peer, and the peer echoes: peer -> server -> client, all with
        // allocation-free socket calls so the process-wide counter measures the server alone.
        void RoundTrip()
        {
            client.Socket.SendTo(toPeer, SocketFlags.None, serverEndPoint);
            var length = _peer.ReceiveFrom(buffer, SocketFlags.None, relayEndPoint);
            _peer.SendTo(buffer.AsSpan(0, length), SocketFlags.None, relayEndPoint);
            length = client.Socket.ReceiveFrom(buffer, SocketFlags.None, from);
            if (length != toPeer.Length || buffer[0] != 0x40 || buffer[1] != 0x01)
            {
                throw new InvalidOperationException("the echo did not come back as ChannelData on channel 0x4001");
            }
        }

        // Long enough for tiered compilation to finish with these paths: its background compiles
        // allocate too, and would be counted against the packets.
        for (var warmUp = 0; warmUp < 3; warmUp++)
        {
            for (var i = 0; i < 2000; i++)
            {
                RoundTrip();
            }

            Thread.Sleep(300);
        }

        // The counter is process-wide: the test host alone allocates a few KiB a second, counted
        // against whatever packets a window holds. A per-packet allocation shows in every window as
        // at least one 24-byte object per packet (12 bytes averaged, were only one direction to
        // allocate); the host's background work does not, so the quietest window decides, against a
        // limit well below what a single object per packet would cost.
        const int Windows = 5;
        const int RoundTripsPerWindow = 4_000;
        var perPacket = double.MaxValue;
        for (var window = 0; window < Windows; window++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < RoundTripsPerWindow; i++)
            {
                RoundTrip();
            }

            var windowPerPacket = (GC.GetTotalAllocatedBytes(precise: true) - before) / (2.0 * RoundTripsPerWindow);
            output.WriteLine($"Window {window}: {windowPerPacket:F3} bytes allocated per relayed packet over {2 * RoundTripsPerWindow} packets");
            perPacket = Math.Min(perPacket, windowPerPacket);
        }

        Assert.Equal(relayed, SocketAddressesTestView(relayEndPoint));
        Assert.True(perPacket < 4, $"{perPacket:F2} bytes allocated per relayed packet");
    }

    [Fact]
    public void RefreshWithLifetimeZero_ClosesTheRelaySocket()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        var relayed = client.Allocate();
        Assert.Equal(1, _server.Engine.Allocations.Count);
        Assert.Null(UdpTurnClient.ErrorCode(client.Request(StunMethod.Refresh, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, 0))));
        Assert.Equal(0, _server.Engine.Allocations.Count);

        using var reuse = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        reuse.Bind(relayed.ToIPEndPoint()); // would fail if the relay socket were still open
    }

    [Fact]
    public void WrongPasswordAndExpiredRestName_Get401()
    {
        using var wrong = new UdpTurnClient(_server.EndPoint, ServerFixture.User, "not-the-password");
        Assert.Equal(401, UdpTurnClient.ErrorCode(wrong.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp))));

        var expired = $"{DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()}:carol";
        var password = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(System.Text.Encoding.UTF8.GetBytes(ServerFixture.Secret), System.Text.Encoding.UTF8.GetBytes(expired)));
        using var rest = new UdpTurnClient(_server.EndPoint, expired, password);
        Assert.Equal(401, UdpTurnClient.ErrorCode(rest.Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp))));

        var valid = $"{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}:carol";
        var validPassword = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(System.Text.Encoding.UTF8.GetBytes(ServerFixture.Secret), System.Text.Encoding.UTF8.GetBytes(valid)));
        using var good = new UdpTurnClient(_server.EndPoint, valid, validPassword);
        good.Allocate();
    }

    [Fact]
    public void GarbageDatagrams_DoNotStopTheListener()
    {
        using var client = new UdpTurnClient(_server.EndPoint, ServerFixture.User, ServerFixture.Password);
        var random = new Random(1);
        for (var i = 0; i < 2000; i++)
        {
            var garbage = new byte[random.Next(0, 600)];
            random.NextBytes(garbage);
            client.Send(garbage);
        }

        client.Allocate();
    }

    private static TransportAddress SocketAddressesTestView(SocketAddress address) => Transports.SocketAddresses.ToTransportAddress(address);
}

/// <summary>The same, with a .NET receive loop per socket: what runs where recvmmsg is not available.</summary>
public sealed class PortableLoopbackRelayTests(ITestOutputHelper output) : LoopbackRelayTests(output)
{
    protected override string[] ServerArgs => ["--udp-io=portable"];
}
