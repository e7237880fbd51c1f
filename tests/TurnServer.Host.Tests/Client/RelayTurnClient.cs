using System.Net;
using TurnServer.Client.Connections;
using TurnServer.Client.Stun;
using TurnServer.Client.Turn;
using TurnServer.Host.Tests.Integration;

namespace TurnServer.Host.Tests.Client;

/// <summary>Sends numbered messages through a TURN client to an echo peer and checks each one comes back from it.</summary>
internal static class RelayTurnClient
{
    /// <summary>The fixture's user, with keep-alives and retransmissions quick enough that a lost allocation shows within seconds.</summary>
    public static TurnClientOptions QuickToNotice(IPEndPoint server, ClientTransport transport = ClientTransport.Udp) =>
        new(server, new TurnCredentials(ServerFixture.User, ServerFixture.Password))
        {
            Transport = transport,
            KeepAliveInterval = TimeSpan.FromSeconds(1),
            Retransmission = new RetransmissionPolicy(TimeSpan.FromMilliseconds(100), 4, 4),
        };

    public static async Task ExchangeAsync(TurnClient client, IPEndPoint echo, int messages)
    {
        var buffer = new byte[2048];
        for (var i = 0; i < messages; i++)
        {
            var payload = BitConverter.GetBytes(i).Concat(new byte[100]).ToArray();
            await client.SendToAsync(echo, payload);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            TurnReceiveResult received;
            try
            {
                received = await client.ReceiveFromAsync(buffer, wait.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"message {i} never came back");
            }

            Assert.Equal(echo, received.RemoteEndPoint);
            Assert.Equal(payload, buffer[..received.ReceivedBytes]);

            // Early messages go as Send indications while the channel is being bound.
            await Task.Delay(i < 5 ? 50 : 1);
        }
    }
}
