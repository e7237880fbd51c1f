using System.Net;
using System.Text;
using TurnServer.Client.Turn;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;

namespace TurnServer.LoadTool;

/// <summary>
/// One relaying client: allocates, lets the echo peer in, binds a channel (unless indications are
/// asked for), then sends stamped packets to the peer and times their echoes. Lean on purpose: the
/// tool shares the machine with the server it measures.
/// </summary>
internal sealed class LoadClient(int index, LoadOptions options, TransportAddress peer) : IAsyncDisposable
{
    private const ushort Channel = 0x4000;
    private static readonly TimeSpan LossTimeout = TimeSpan.FromMilliseconds(200);
    private readonly SemaphoreSlim _window = new(options.Window);
    private readonly byte[] _send = new byte[2048];
    private readonly byte[] _receive = new byte[70000];
    private ServerLink _link = null!;
    private string _username = "";
    private string? _realm;
    private string? _nonce;
    private byte[] _key = [];

    public LatencyHistogram RoundTrips { get; } = new();

    public long Sent;
    public long Received;

    /// <summary>Sequence numbers sent while measuring: the echoes of these count towards loss.</summary>
    public uint MeasuredFrom = uint.MaxValue;
    public uint MeasuredTo;
    public long MeasuredReceived;

    public async Task SetUpAsync(CancellationToken cancellationToken)
    {
        (_username, var password) = Credentials();
        for (var attempt = 1; ; attempt++)
        {
            _link = await ServerLink.OpenAsync(options.Server, options.Transport, cancellationToken).ConfigureAwait(false);
            try
            {
                await RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) => w.WriteRequestedTransport(TransportProtocol.Udp), password, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (RefusedException e) when (e.Code == 437 && attempt < 3)
            {
                // The port landed on a five-tuple an earlier client's allocation still holds: take another.
                await _link.DisposeAsync().ConfigureAwait(false);
                _nonce = null;
            }
        }

        await RequestAsync(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer), password, cancellationToken).ConfigureAwait(false);
        if (!options.Indications)
        {
            await RequestAsync(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
            {
                w.WriteChannelNumber(Channel);
                w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
            }, password, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends at the configured rate, or keeps the window full, until <paramref name="stop"/>.</summary>
    public async Task SendAsync(Func<bool> measuring, CancellationToken stop)
    {
        var payload = new byte[options.PayloadBytes];
        var started = System.Diagnostics.Stopwatch.StartNew();
        uint sequence = 0;
        while (!stop.IsCancellationRequested)
        {
            if (options.Rate > 0)
            {
                var due = (long)(started.Elapsed.TotalSeconds * options.Rate);
                if (sequence >= due)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, 1000 / options.Rate)), CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
            }
            else if (!await _window.WaitAsync(LossTimeout, CancellationToken.None).ConfigureAwait(false))
            {
                // No echo for a while: the packets in flight are taken as lost, and sending goes on.
            }

            if (measuring())
            {
                if (MeasuredFrom == uint.MaxValue)
                {
                    MeasuredFrom = sequence;
                }

                MeasuredTo = sequence + 1;
            }

            Payload.Stamp(payload, sequence++);
            await _link.SendAsync(_send.AsMemory(0, Frame(payload)), CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref Sent);
        }
    }

    /// <summary>Reads echoes until the connection closes or <paramref name="stop"/>.</summary>
    public async Task ReceiveAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var length = await _link.ReceiveAsync(_receive, stop).ConfigureAwait(false);
                if (length == 0)
                {
                    return;
                }

                if (!TryGetData(_receive.AsSpan(0, length), out var data) || data.Length < Payload.MinLength)
                {
                    continue;
                }

                var (sequence, roundTrip) = Payload.Read(data);
                Interlocked.Increment(ref Received);
                if (options.Rate == 0)
                {
                    _window.Release();
                }

                if (sequence >= MeasuredFrom && sequence < MeasuredTo)
                {
                    MeasuredReceived++;
                    RoundTrips.Record(roundTrip);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private (string Username, string Password) Credentials()
    {
        if (options.Secret is null)
        {
            return (options.User!, options.Password!);
        }

        var credentials = TurnCredentials.FromSharedSecret(options.Secret, $"load{index}", TimeSpan.FromHours(1));
        return (credentials.Username, credentials.Password);
    }

    private int Frame(ReadOnlySpan<byte> payload)
    {
        if (!options.Indications)
        {
            return ChannelDataMessage.Write(_send, Channel, payload, _link.IsStream);
        }

        var writer = new StunMessageWriter(_send, new StunMessageType(StunMethod.Send, StunClass.Indication), TransactionId.NewRandom());
        writer.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
        writer.WriteAttribute(StunAttributeType.Data, payload);
        return writer.Written.Length;
    }

    private static bool TryGetData(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> data)
    {
        if (message[0] >> 6 == 1)
        {
            var ok = ChannelDataMessage.TryRead(message, out var channelData);
            data = ok ? channelData.Data : default;
            return ok;
        }

        data = default;
        return StunMessage.Read(message, out var indication) == StunReadStatus.Ok
            && indication.Type == new StunMessageType(StunMethod.Data, StunClass.Indication)
            && indication.TryGetAttribute(StunAttributeType.Data, out data);
    }

    private delegate void WriteAttributes(ref StunMessageWriter writer);

    /// <summary>A request signed once the realm and nonce are known, retransmitted over UDP; 401 and 438 are answered.</summary>
    private async Task RequestAsync(StunMethod method, WriteAttributes attributes, string password, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var id = TransactionId.NewRandom();
            var length = Build(method, id, attributes);
            var answer = await ExchangeAsync(length, id, cancellationToken).ConfigureAwait(false);
            if (Succeeded(method, answer, password))
            {
                return;
            }
        }

        throw new InvalidOperationException($"{method} refused: the server kept challenging");
    }

    /// <summary>True on success; false after taking a 401/438's realm and nonce for another attempt; throws on any other error.</summary>
    /// <remarks>Kept out of the async method: the parsed message is a ref struct and must not live in its state machine.</remarks>
    private bool Succeeded(StunMethod method, int answerLength, string password)
    {
        StunMessage.Read(_receive.AsSpan(0, answerLength), out var response);
        if (response.Class == StunClass.SuccessResponse)
        {
            return true;
        }

        response.TryGetErrorCode(out var code, out var reason);
        if ((code is 401 or 438) && response.TryGetAttribute(StunAttributeType.Nonce, out var nonce))
        {
            _nonce = Encoding.UTF8.GetString(nonce);
            if (response.TryGetAttribute(StunAttributeType.Realm, out var realm) && Encoding.UTF8.GetString(realm) != _realm)
            {
                _realm = Encoding.UTF8.GetString(realm);
                _key = new byte[LongTermCredentials.Md5KeyLength];
                LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, _username, _realm, password, _key);
            }

            return false;
        }

        throw new RefusedException(code, $"{method} refused: {code} {Encoding.UTF8.GetString(reason)}");
    }

    private int Build(StunMethod method, TransactionId id, WriteAttributes attributes)
    {
        var writer = new StunMessageWriter(_send, new StunMessageType(method, StunClass.Request), id);
        attributes(ref writer);
        if (_nonce is not null)
        {
            writer.WriteUtf8(StunAttributeType.Username, _username);
            writer.WriteUtf8(StunAttributeType.Realm, _realm!);
            writer.WriteUtf8(StunAttributeType.Nonce, _nonce);
            writer.WriteMessageIntegrity(_key);
        }

        writer.WriteFingerprint();
        return writer.Written.Length;
    }

    private async Task<int> ExchangeAsync(int length, TransactionId id, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromMilliseconds(500);
        for (var send = 0; send < 7; send++, wait *= 2)
        {
            await _link.SendAsync(_send.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(wait);
            try
            {
                while (true)
                {
                    var received = await _link.ReceiveAsync(_receive, timeout.Token).ConfigureAwait(false);
                    if (received == 0)
                    {
                        throw new IOException("the server closed the connection");
                    }

                    if (received >= StunConstants.HeaderLength && _receive[0] >> 6 == 0 && TransactionId.Read(_receive.AsSpan(8, TransactionId.Length)).Equals(id))
                    {
                        return received;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_link.IsStream)
            {
                // Lost: send again.
            }
        }

        throw new TimeoutException("no answer from the server");
    }

    /// <summary>
    /// Releases the allocation (a Refresh with lifetime 0), resent until answered for up to a second:
    /// one left behind could hold the five-tuple a later run's client happens to reuse (437).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_link is not null)
        {
            if (_nonce is not null)
            {
                var id = TransactionId.NewRandom();
                var length = Build(StunMethod.Refresh, id, (ref StunMessageWriter w) => w.WriteUInt32(StunAttributeType.Lifetime, 0));
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    await ExchangeAsync(length, id, deadline.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
                {
                    // The server forgets it at expiry anyway.
                }
            }

            await _link.DisposeAsync().ConfigureAwait(false);
        }

        _window.Dispose();
    }
}

/// <summary>An error response to a load client's request.</summary>
internal sealed class RefusedException(int code, string message) : InvalidOperationException(message)
{
    public int Code { get; } = code;
}
