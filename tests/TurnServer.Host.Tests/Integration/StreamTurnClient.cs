using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Framing;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;

namespace TurnServer.Host.Tests.Integration;

/// <summary>A minimal TURN client over TCP or TLS for tests: writes messages, reads whole frames.</summary>
internal sealed class StreamTurnClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly LongTermSigner _signer;
    private readonly byte[] _buffer = new byte[65536];
    private int _buffered;

    private StreamTurnClient(TcpClient tcp, Stream stream, string user, string password)
    {
        _tcp = tcp;
        _stream = stream;
        _signer = new LongTermSigner(user, password, ServerFixture.Realm);
    }

    public X509Certificate? RemoteCertificate => (_stream as SslStream)?.RemoteCertificate;

    public static async Task<StreamTurnClient> ConnectAsync(IPEndPoint server, bool tls, string user = ServerFixture.User, string password = ServerFixture.Password, IPAddress? from = null)
    {
        var tcp = from is null ? new TcpClient(server.AddressFamily) : new TcpClient(new IPEndPoint(from, 0));
        await tcp.ConnectAsync(server);
        Stream stream = tcp.GetStream();
        if (tls)
        {
            // The test certificate is self-signed: any certificate is taken, and tests check its subject.
            var ssl = new SslStream(stream, false, (_, certificate, _, _) => certificate is not null);
            await ssl.AuthenticateAsClientAsync("localhost");
            stream = ssl;
        }

        return new StreamTurnClient(tcp, stream, user, password);
    }

    public async Task WriteAsync(byte[] message) => await _stream.WriteAsync(message);

    public async Task<byte[]> RequestAsync(StunMethod method, WriteAttributes? attributes = null)
    {
        await WriteAsync(Build(method, attributes, signed: _signer.HasNonce));
        var response = await ReadFrameAsync();
        if (_signer.TakeChallenge(response))
        {
            await WriteAsync(Build(method, attributes, signed: true));
            response = await ReadFrameAsync();
        }

        return response;
    }

    public byte[] Build(StunMethod method, WriteAttributes? attributes, bool signed, StunClass messageClass = StunClass.Request) =>
        _signer.Build(method, attributes, signed, messageClass, fingerprint: false);

    /// <summary>The next whole frame, within 5 seconds.</summary>
    public async Task<byte[]> ReadFrameAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            if (StunStreamFramer.TryReadFrame(_buffer.AsSpan(0, _buffered), _buffer.Length, out var length, out _) == OperationStatus.Done)
            {
                var frame = _buffer[..length];
                _buffer.AsSpan(length, _buffered - length).CopyTo(_buffer);
                _buffered -= length;
                return frame;
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_buffered), timeout.Token);
            if (read == 0)
            {
                throw new EndOfStreamException("the server closed the connection");
            }

            _buffered += read;
        }
    }

    /// <summary>True when the server closes the connection within the time given.</summary>
    public async Task<bool> IsClosedByServerWithinAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            return await _stream.ReadAsync(_buffer.AsMemory(_buffered), timeout.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
