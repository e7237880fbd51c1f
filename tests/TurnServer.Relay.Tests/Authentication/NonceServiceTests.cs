using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;

namespace TurnServer.Relay.Tests.Authentication;

public sealed class NonceServiceTests
{
    private static readonly FiveTuple Client = Tuple("198.51.100.7:40000");

    [Fact]
    public void ANonce_IsValidOnItsFiveTupleOnly()
    {
        var nonces = new NonceService(TimeSpan.FromMinutes(10), securityFeatures: true, new FakeTimeProvider());
        var nonce = Issue(nonces, Client);

        Assert.Equal(NonceStatus.Valid, nonces.Validate(nonce, Client));
        Assert.Equal(NonceStatus.Invalid, nonces.Validate(nonce, Tuple("198.51.100.7:40001")));
        Assert.Equal(NonceStatus.Invalid, nonces.Validate(nonce, Tuple("198.51.100.8:40000")));
        Assert.Equal(NonceStatus.Invalid, nonces.Validate(nonce, Client with { Protocol = TransportProtocol.Tcp }));
        Assert.Equal(NonceStatus.Invalid, nonces.Validate(nonce, Client with { Server = TransportAddress.Parse("192.0.2.1:5349") }));
        Assert.Equal(NonceStatus.Invalid, nonces.Validate(nonce, Tuple("[2001:db8::7]:40000")));
    }

    [Fact]
    public void TwoServicesOnOneThread_EachKnowsOnlyItsOwnNonces()
    {
        var time = new FakeTimeProvider();
        var first = new NonceService(TimeSpan.FromMinutes(10), securityFeatures: false, time);
        var second = new NonceService(TimeSpan.FromMinutes(10), securityFeatures: false, time);
        var fromFirst = Issue(first, Client);
        var fromSecond = Issue(second, Client);

        Assert.Equal(NonceStatus.Invalid, second.Validate(fromFirst, Client));
        Assert.Equal(NonceStatus.Invalid, first.Validate(fromSecond, Client));
        Assert.Equal(NonceStatus.Valid, first.Validate(fromFirst, Client));
        Assert.Equal(NonceStatus.Valid, second.Validate(fromSecond, Client));
    }

    [Fact]
    public void ANonce_GoesStale_AfterItsLifetime()
    {
        var time = new FakeTimeProvider();
        var nonces = new NonceService(TimeSpan.FromMinutes(10), securityFeatures: false, time);
        var nonce = Issue(nonces, Client);

        time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(NonceStatus.Stale, nonces.Validate(nonce, Client));
    }

    [Fact]
    public void ChecksOnManyThreads_AgreeWithTheIssuingThread()
    {
        var nonces = new NonceService(TimeSpan.FromMinutes(10), securityFeatures: true, new FakeTimeProvider());
        var clients = Enumerable.Range(1, 200).Select(i => Tuple($"203.0.113.{i}:3478")).ToArray();
        var issued = clients.Select(client => Issue(nonces, client)).ToArray();

        var results = new NonceStatus[clients.Length];
        Parallel.For(0, clients.Length, i => results[i] = nonces.Validate(issued[i], clients[i]));

        Assert.All(results, status => Assert.Equal(NonceStatus.Valid, status));
    }

    private static FiveTuple Tuple(string client) =>
        new(TransportAddress.Parse(client), TransportAddress.Parse("192.0.2.1:3478"), TransportProtocol.Udp);

    private static byte[] Issue(NonceService nonces, FiveTuple client)
    {
        var nonce = new byte[nonces.Length];
        nonces.Write(client, nonce);
        return nonce;
    }
}
