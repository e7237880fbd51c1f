using System.Net;
using System.Net.Sockets;
using System.Text;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

internal delegate void WriteAttributes(ref StunMessageWriter writer);

/// <summary>A minimal TURN client over a real UDP socket: enough to drive the server from a test.</summary>
internal sealed class UdpTurnClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _server;
    private readonly LongTermSigner _signer;

    public UdpTurnClient(IPEndPoint server, string user, string password, string realm = ServerFixture.Realm, IPAddress? bindTo = null)
    {
        _server = server;
        _signer = new LongTermSigner(user, password, realm);
        _socket.Bind(new IPEndPoint(bindTo ?? IPAddress.Loopback, 0));
        _socket.ReceiveTimeout = 3000;
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public Socket Socket => _socket;

    public byte[] Request(StunMethod method, WriteAttributes? attributes = null, byte[]? afterIntegrity = null)
    {
        var response = Exchange(Build(method, attributes, signed: _signer.HasNonce, afterIntegrity: afterIntegrity));
        if (_signer.TakeChallenge(response))
        {
            response = Exchange(Build(method, attributes, signed: true, afterIntegrity: afterIntegrity));
        }

        return response;
    }

    public TransportAddress Allocate()
    {
        var response = Request(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp));
        Assert.True(StunMessage.Read(response, out var message) == StunReadStatus.Ok && message.Class == StunClass.SuccessResponse, $"Allocate failed: {ErrorCode(response)}");
        Assert.True(message.VerifyMessageIntegrity(_signer.Key));
        Assert.True(message.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out var relayed));
        return relayed;
    }

    public byte[] Build(StunMethod method, WriteAttributes? attributes, bool signed, StunClass messageClass = StunClass.Request, byte[]? afterIntegrity = null) =>
        _signer.Build(method, attributes, signed, messageClass, fingerprint: true, afterIntegrity);

    public void Send(byte[] message) => _socket.SendTo(message, _server);

    /// <summary>Takes the nonce of a 401 or 438, as <see cref="Request"/> does on its own.</summary>
    public bool TakeChallenge(byte[] response) => _signer.TakeChallenge(response);

    public byte[] Receive()
    {
        var buffer = new byte[2048];
        var length = _socket.Receive(buffer);
        return buffer[..length];
    }

    /// <summary>
    /// Sends a request and returns the response with its transaction id, retransmitting as STUN over
    /// UDP must (RFC 8489 section 6.2.1), since a busy socket may drop a datagram.
    /// </summary>
    public byte[] Exchange(byte[] request)
    {
        var id = request.AsSpan(8, TransactionId.Length).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var buffer = new byte[2048];
        while (DateTime.UtcNow < deadline)
        {
            Send(request);
            var retransmitAt = DateTime.UtcNow.AddMilliseconds(500);
            while (DateTime.UtcNow < retransmitAt)
            {
                _socket.ReceiveTimeout = Math.Max(1, (int)(retransmitAt - DateTime.UtcNow).TotalMilliseconds);
                int length;
                try
                {
                    length = _socket.Receive(buffer);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
                {
                    break;
                }

                if (length >= StunConstants.HeaderLength && buffer.AsSpan(8, TransactionId.Length).SequenceEqual(id))
                {
                    _socket.ReceiveTimeout = 3000;
                    return buffer[..length];
                }
            }
        }

        throw new TimeoutException("no response to the request within 10 seconds");
    }

    public static int? ErrorCode(byte[] response) =>
        StunMessage.Read(response, out var message) == StunReadStatus.Ok && message.TryGetErrorCode(out var code, out _) ? code : null;

    public void Dispose() => _socket.Dispose();
}
