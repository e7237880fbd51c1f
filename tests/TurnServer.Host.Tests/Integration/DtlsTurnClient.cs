using System.Net;
using System.Net.Sockets;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>A TURN client over DTLS 1.2, on BouncyCastle's client side, that trusts any server certificate.</summary>
internal sealed class DtlsTurnClient : IDisposable
{
    private readonly Socket _socket;
    private readonly DtlsTransport _dtls;
    private readonly LongTermSigner _signer;

    private DtlsTurnClient(Socket socket, DtlsTransport dtls, string? serverSubject, LongTermSigner signer)
    {
        _socket = socket;
        _dtls = dtls;
        ServerSubject = serverSubject;
        _signer = signer;
    }

    public string? ServerSubject { get; }

    public int LocalPort => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public static async Task<DtlsTurnClient> ConnectAsync(IPEndPoint server, string user = ServerFixture.User, string password = ServerFixture.Password, ProtocolVersion? version = null, int localPort = 0)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, localPort));
            socket.Connect(server);
            var client = new Client(new BcTlsCrypto(new SecureRandom()), version ?? ProtocolVersion.DTLSv12);
            var dtls = await Task.Run(() => new DtlsClientProtocol().Connect(client, new ConnectedDatagrams(socket)));
            return new DtlsTurnClient(socket, dtls, client.ServerSubject, new LongTermSigner(user, password, ServerFixture.Realm));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The first datagram BouncyCastle's client sends: a real DTLS 1.2 ClientHello, without a cookie.</summary>
    public static byte[] CaptureClientHello()
    {
        var capture = new CapturingDatagrams();
        try
        {
            new DtlsClientProtocol().Connect(new Client(new BcTlsCrypto(new SecureRandom()), ProtocolVersion.DTLSv12), capture);
        }
        catch (IOException)
        {
            // The capture ends the handshake once it has the ClientHello.
        }

        return capture.First ?? throw new InvalidOperationException("BouncyCastle sent no ClientHello");
    }

    public byte[] Request(StunMethod method, WriteAttributes? attributes = null)
    {
        var response = Exchange(_signer.Build(method, attributes, _signer.HasNonce, StunClass.Request, fingerprint: true));
        if (_signer.TakeChallenge(response))
        {
            response = Exchange(_signer.Build(method, attributes, signed: true, StunClass.Request, fingerprint: true));
        }

        return response;
    }

    public byte[] Build(StunMethod method, WriteAttributes? attributes, StunClass messageClass) =>
        _signer.Build(method, attributes, signed: false, messageClass, fingerprint: true);

    public void Send(byte[] message) => _dtls.Send(message, 0, message.Length);

    /// <summary>The next message from the server, or null when none comes within the wait.</summary>
    public byte[]? Receive(int waitMillis = 3000)
    {
        var buffer = new byte[4096];
        var length = _dtls.Receive(buffer, 0, buffer.Length, waitMillis);
        return length < 0 ? null : buffer[..length];
    }

    /// <summary>Sends close_notify, as a client leaving properly does.</summary>
    public void Close() => _dtls.Close();

    private byte[] Exchange(byte[] request)
    {
        Send(request);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (Receive() is { } response && response.AsSpan(8, TransactionId.Length).SequenceEqual(request.AsSpan(8, TransactionId.Length)))
            {
                return response;
            }
        }

        throw new TimeoutException("no response over DTLS within 5 seconds");
    }

    public void Dispose() => _socket.Dispose();

    private sealed class Client(BcTlsCrypto crypto, ProtocolVersion version) : DefaultTlsClient(crypto)
    {
        public string? ServerSubject { get; private set; }

        protected override ProtocolVersion[] GetSupportedVersions() => version.Only();

        protected override int[] GetSupportedCipherSuites() =>
            [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA];

        public override TlsAuthentication GetAuthentication() => new TrustAnyServer(subject => ServerSubject = subject);
    }

    private sealed class TrustAnyServer(Action<string> seen) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
        {
            using var leaf = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(serverCertificate.Certificate.GetCertificateAt(0).GetEncoded());
            seen(leaf.Subject);
        }

        public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest) => null;
    }

    private sealed class ConnectedDatagrams(Socket socket) : DatagramTransport
    {
        public int GetReceiveLimit() => 16384 + 512;

        public int GetSendLimit() => 1400;

        public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

        public int Receive(Span<byte> buffer, int waitMillis)
        {
            if (!socket.Poll(TimeSpan.FromMilliseconds(waitMillis), SelectMode.SelectRead))
            {
                return -1;
            }

            try
            {
                return socket.Receive(buffer, SocketFlags.None);
            }
            catch (SocketException)
            {
                return -1; // An ICMP error from an earlier send: a lost datagram, as far as DTLS is concerned.
            }
        }

        public void Send(byte[] buf, int off, int len) => socket.Send(buf, off, len, SocketFlags.None);

        public void Send(ReadOnlySpan<byte> buffer) => socket.Send(buffer, SocketFlags.None);

        public void Close()
        {
        }
    }

    private sealed class CapturingDatagrams : DatagramTransport
    {
        public byte[]? First { get; private set; }

        public int GetReceiveLimit() => 1500;

        public int GetSendLimit() => 1400;

        public int Receive(byte[] buf, int off, int len, int waitMillis) => throw new IOException("captured");

        public int Receive(Span<byte> buffer, int waitMillis) => throw new IOException("captured");

        public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

        public void Send(ReadOnlySpan<byte> buffer) => First ??= buffer.ToArray();

        public void Close()
        {
        }
    }
}
