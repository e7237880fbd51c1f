using System.Net.Sockets;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// What a spoofed request can make the server reflect: at most 3.5 bytes answered per byte received,
/// for every shape of request that needs no credentials, on IPv4 and IPv6.
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class AmplificationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double MaxRatio = 3.5;

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public async Task NoUnauthenticatedRequest_IsAnsweredWithMoreThan3Point5TimesItsSize(AddressFamily family)
    {
        await using var server = await ServerFixture.StartAsync("-L", "::1");
        var endPoint = server.EndPointFor("udp", family);
        var results = await AmplificationProbe.MeasureAllAsync(endPoint, ServerFixture.Realm);

        results.ForEach(r => output.WriteLine(r.ToString()));
        var worst = results.MaxBy(r => r.Ratio)!;
        output.WriteLine($"worst: {worst.Shape}, {worst.Ratio:F2}x");
        Assert.True(worst.Ratio <= MaxRatio, $"{worst.Shape}: {worst.Answered} bytes answered to {worst.Sent}");
        Assert.Contains(results, r => r.Shape == "Allocate with REQUESTED-TRANSPORT" && r.Answer == "401");
        Assert.Contains(results, r => r.Shape == "Binding, header only" && r.Answer == nameof(StunClass.SuccessResponse));
    }

    [Fact]
    public async Task AnUnsignedRequestFromAnAllocationsOwnFiveTuple_IsStillChallenged_WithABoundedAnswer()
    {
        await using var server = await ServerFixture.StartAsync();
        using var client = new UdpTurnClient(server.EndPoint, ServerFixture.User, ServerFixture.Password);
        client.Allocate();

        var refresh = client.Build(StunMethod.Refresh, null, signed: false)[..StunConstants.HeaderLength];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(refresh.AsSpan(2), 0);
        var result = await AmplificationProbe.MeasureAsync(server.EndPoint, "Refresh, header only, from an allocation", refresh, client.Socket);

        output.WriteLine(result.ToString());
        Assert.Equal("401", result.Answer);
        Assert.InRange(result.Answered, 1, 84);
    }
}
