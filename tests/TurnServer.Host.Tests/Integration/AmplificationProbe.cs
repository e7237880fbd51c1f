using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>
/// Sends every shape of request that needs no credentials to a STUN/TURN server over UDP, each from a
/// fresh port, and weighs what comes back: the bytes a spoofed source would have reflected at its
/// victim for each byte it sent (UDP payloads; IP and UDP headers would lower every ratio).
/// </summary>
internal static class AmplificationProbe
{
    public sealed record Result(string Shape, int Sent, int Answered, string Answer)
    {
        public double Ratio => (double)Answered / Sent;

        public override string ToString() => $"{Shape,-40} {Sent,4} B -> {Answered,4} B  {Ratio,4:F2}x  {Answer}";
    }

    /// <summary>Each shape, named, as bytes to send from a port that has no allocation.</summary>
    private static IEnumerable<(string Shape, byte[] Bytes)> Shapes(string realm)
    {
        yield return ("Binding, header only", Message(StunMethod.Binding));
        yield return ("Binding with FINGERPRINT", Message(StunMethod.Binding, fingerprint: true));
        yield return ("Binding, RFC 3489 (no magic cookie)", Rfc3489Binding());
        yield return ("Binding with CHANGE-REQUEST", Message(StunMethod.Binding, (ref StunMessageWriter w) => w.WriteChangeRequest(ChangeRequest.ChangeIP | ChangeRequest.ChangePort)));
        yield return ("Binding, unknown required attribute", Message(StunMethod.Binding, (ref StunMessageWriter w) => w.WriteAttribute((StunAttributeType)0x0031, [])));
        yield return ("Binding indication", Message(StunMethod.Binding, messageClass: StunClass.Indication));
        yield return ("Allocate, header only", Message(StunMethod.Allocate));
        yield return ("Allocate with REQUESTED-TRANSPORT", Message(StunMethod.Allocate, Udp));
        yield return ("Allocate with REQUESTED-TRANSPORT, FINGERPRINT", Message(StunMethod.Allocate, Udp, fingerprint: true));
        yield return ("Allocate, unknown required attribute", Message(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.WriteRequestedTransport(TransportProtocol.Udp);
            w.WriteAttribute((StunAttributeType)0x0031, []);
        }));
        yield return ("Allocate signed with a made-up nonce", ForgedAllocate(realm));
        yield return ("Refresh, header only", Message(StunMethod.Refresh));
        yield return ("CreatePermission, header only", Message(StunMethod.CreatePermission));
        yield return ("ChannelBind, header only", Message(StunMethod.ChannelBind));
        yield return ("Connect, header only", Message(StunMethod.Connect));
        yield return ("ConnectionBind, header only", Message(StunMethod.ConnectionBind));
        yield return ("Unknown method 0x00F", Message((StunMethod)0x00F));
        yield return ("Send indication", Message(StunMethod.Send, (ref StunMessageWriter w) => w.WriteAttribute(StunAttributeType.Data, new byte[16]), messageClass: StunClass.Indication));
        yield return ("ChannelData", [0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]);
    }

    /// <summary>Every shape, one after another, each from a fresh socket.</summary>
    public static async Task<List<Result>> MeasureAllAsync(IPEndPoint server, string realm)
    {
        var results = new List<Result>();
        foreach (var (shape, bytes) in Shapes(realm))
        {
            results.Add(await MeasureAsync(server, shape, bytes));
        }

        return results;
    }

    /// <summary>Sends one shape from a fresh socket and adds up every datagram that comes back within the wait.</summary>
    public static async Task<Result> MeasureAsync(IPEndPoint server, string shape, byte[] bytes, Socket? from = null)
    {
        using var own = from is null ? new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp) : null;
        var socket = from ?? own!;
        if (own is not null)
        {
            own.Bind(new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        }

        await socket.SendToAsync(bytes, server);
        var answered = 0;
        var answers = new List<string>();
        var buffer = new byte[2048];
        var quietUntil = DateTime.UtcNow.AddMilliseconds(400);
        while (DateTime.UtcNow < quietUntil)
        {
            using var wait = new CancellationTokenSource(quietUntil - DateTime.UtcNow);
            try
            {
                var length = await socket.ReceiveAsync(buffer, wait.Token);
                answered += length;
                answers.Add(Describe(buffer.AsSpan(0, length)));
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return new Result(shape, bytes.Length, answered, answers.Count == 0 ? "nothing" : string.Join(" + ", answers));
    }

    private static string Describe(ReadOnlySpan<byte> answer)
    {
        if (StunMessage.Read(answer, out var message) != StunReadStatus.Ok)
        {
            return "not STUN";
        }

        return message.TryGetErrorCode(out var code, out _) ? code.ToString(System.Globalization.CultureInfo.InvariantCulture) : message.Class.ToString();
    }

    private static void Udp(ref StunMessageWriter writer) => writer.WriteRequestedTransport(TransportProtocol.Udp);

    private static byte[] Message(StunMethod method, WriteAttributes? attributes = null, bool fingerprint = false, StunClass messageClass = StunClass.Request)
    {
        var writer = new StunMessageWriter(new byte[512], new StunMessageType(method, messageClass), TransactionId.NewRandom());
        attributes?.Invoke(ref writer);
        if (fingerprint)
        {
            writer.WriteFingerprint();
        }

        return writer.Written.ToArray();
    }

    private static byte[] Rfc3489Binding()
    {
        var bytes = Message(StunMethod.Binding);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), 0x0BADF00D);
        return bytes;
    }

    private static byte[] ForgedAllocate(string realm)
    {
        var writer = new StunMessageWriter(new byte[512], new StunMessageType(StunMethod.Allocate, StunClass.Request), TransactionId.NewRandom());
        writer.WriteRequestedTransport(TransportProtocol.Udp);
        writer.WriteUtf8(StunAttributeType.Username, "alice");
        writer.WriteUtf8(StunAttributeType.Realm, realm);
        writer.WriteAttribute(StunAttributeType.Nonce, Encoding.ASCII.GetBytes("obMatJos2wAAAmadeupnonce"));
        writer.WriteMessageIntegrity(new byte[LongTermCredentials.Md5KeyLength]);
        return writer.Written.ToArray();
    }
}
