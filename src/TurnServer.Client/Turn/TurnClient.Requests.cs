using System.Net;
using System.Text;
using TurnServer.Client.Stun;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;

namespace TurnServer.Client.Turn;

/// <summary>The requests: signed with the long-term key once the server named its realm and nonce.</summary>
public sealed partial class TurnClient
{
    private const int MessageBufferLength = 65536 + 512;

    private async Task AllocateAsync(CancellationToken cancellationToken)
    {
        var ipv6 = _options.RelayFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var response = await RequestAsync(StunMethod.Allocate, (ref StunMessageWriter w) =>
        {
            w.WriteRequestedTransport(TransportProtocol.Udp);
            if (ipv6)
            {
                w.WriteAddressFamily(StunAttributeType.RequestedAddressFamily, StunAddressFamily.IPv6);
            }
        }, cancellationToken).ConfigureAwait(false);

        StunMessage.Read(response, out var message);
        if (!message.TryGetXorAddress(StunAttributeType.XorRelayedAddress, out var relayed) || !message.TryGetXorAddress(StunAttributeType.XorMappedAddress, out var mapped))
        {
            throw new TurnException("the Allocate answer lacks XOR-RELAYED-ADDRESS or XOR-MAPPED-ADDRESS");
        }

        RelayedEndPoint = relayed.ToIPEndPoint();
        MappedEndPoint = mapped.ToIPEndPoint();
        _refreshedAt = _time.GetUtcNow();
        _expiresAt = _refreshedAt + Lifetime(message);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var response = await RequestAsync(StunMethod.Refresh, null, cancellationToken).ConfigureAwait(false);
        StunMessage.Read(response, out var message);
        _refreshedAt = _time.GetUtcNow();
        _expiresAt = _refreshedAt + Lifetime(message);
    }

    private async Task InstallPermissionAsync(TransportAddress peer, PermissionState state, CancellationToken cancellationToken)
    {
        await RequestAsync(StunMethod.CreatePermission, (ref StunMessageWriter w) => w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer), cancellationToken).ConfigureAwait(false);
        state.ExpiresAt = _time.GetUtcNow() + PermissionLifetime;
    }

    private async Task ChannelBindAsync(TransportAddress peer, ChannelState state, CancellationToken cancellationToken)
    {
        var number = state.Number;

        // Known before the request goes out: the server may relay ChannelData on it before the
        // answer to the ChannelBind has been read.
        _peersByChannel[number] = peer;
        await RequestAsync(StunMethod.ChannelBind, (ref StunMessageWriter w) =>
        {
            w.WriteChannelNumber(number);
            w.WriteXorAddress(StunAttributeType.XorPeerAddress, peer);
        }, cancellationToken).ConfigureAwait(false);

        // A ChannelBind also installs or refreshes the permission for the peer's IP.
        var now = _time.GetUtcNow();
        state.ExpiresAt = now + ChannelLifetime;
        state.Bound = true;
        if (_permissions.TryGetValue(peer.WithPort(0), out var permission))
        {
            permission.ExpiresAt = now + PermissionLifetime;
        }
    }

    private async Task BindChannelInBackground(TransportAddress peer, ChannelState state)
    {
        try
        {
            await ChannelBindAsync(peer, state, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsRequestFailure(e) || e is OperationCanceledException)
        {
            // Send indications keep working; the next send tries again, with another number.
            _channelsByPeer.TryRemove(new KeyValuePair<TransportAddress, ChannelState>(peer, state));
            _peersByChannel.TryRemove(new KeyValuePair<ushort, TransportAddress>(state.Number, peer));
        }
    }

    /// <summary>
    /// Sends a request, signed when the realm and nonce are known, and answers a 401 or 438 by
    /// signing with what it names and sending again (RFC 8489 sections 9.2.5 and 10).
    /// </summary>
    private async Task<byte[]> RequestAsync(StunMethod method, WriteAttributes? attributes, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (request, key) = BuildSigned(method, attributes);
            var response = await _session.RequestAsync(request, cancellationToken).ConfigureAwait(false);
            var (code, reason) = Check(response, key);
            if (code == 0)
            {
                return response;
            }

            if (attempt < 2 && (code == 401 || code == 438) && TakeChallenge(response, code == 438 || key is null))
            {
                continue;
            }

            throw new TurnException(code, reason, method.ToString());
        }
    }

    private (byte[] Request, byte[]? Key) BuildSigned(StunMethod method, WriteAttributes? attributes)
    {
        lock (_credentialsLock)
        {
            var signed = _nonce is not null;
            return (Build(method, StunClass.Request, attributes, signed), signed ? _key : null);
        }
    }

    private byte[] Build(StunMethod method, StunClass messageClass, WriteAttributes? attributes, bool signed)
    {
        var buffer = new byte[MessageBufferLength];
        var writer = new StunMessageWriter(buffer, new StunMessageType(method, messageClass), TransactionId.NewRandom());
        attributes?.Invoke(ref writer);
        if (signed)
        {
            writer.WriteUtf8(StunAttributeType.Username, _options.Credentials.Username);
            writer.WriteUtf8(StunAttributeType.Realm, _realm!);
            writer.WriteUtf8(StunAttributeType.Nonce, _nonce!);
            writer.WriteMessageIntegrity(_key);
        }

        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }

    /// <summary>0 for a success that carries our key's integrity (when we signed), else the error code and reason.</summary>
    private static (int Code, string Reason) Check(byte[] response, byte[]? key)
    {
        if (StunMessage.Read(response, out var message) != StunReadStatus.Ok)
        {
            return (500, "unreadable answer");
        }

        if (message.Class == StunClass.SuccessResponse)
        {
            return key is null || message.VerifyMessageIntegrity(key) ? (0, string.Empty) : (500, "answer without our MESSAGE-INTEGRITY");
        }

        return message.TryGetErrorCode(out var code, out var reason) ? (code, Encoding.UTF8.GetString(reason)) : (500, "error without ERROR-CODE");
    }

    /// <summary>Takes REALM and NONCE from a challenge; false when there is nothing new to retry with.</summary>
    private bool TakeChallenge(byte[] response, bool firstOrStale)
    {
        StunMessage.Read(response, out var message);
        if (!message.TryGetAttribute(StunAttributeType.Nonce, out var nonceBytes))
        {
            return false;
        }

        var nonce = Encoding.UTF8.GetString(nonceBytes);
        var realm = message.TryGetAttribute(StunAttributeType.Realm, out var realmBytes) ? Encoding.UTF8.GetString(realmBytes) : _realm;
        if (realm is null)
        {
            return false;
        }

        lock (_credentialsLock)
        {
            if (!firstOrStale && nonce == _nonce && realm == _realm)
            {
                return false; // The same challenge for a signed request: the password is wrong.
            }

            if (realm != _realm)
            {
                var key = new byte[LongTermCredentials.Md5KeyLength];
                LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, _options.Credentials.Username, realm, _options.Credentials.Password, key);
                _key = key;
                _realm = realm;
            }

            _nonce = nonce;
        }

        return true;
    }

    private static TimeSpan Lifetime(in StunMessage message) =>
        TimeSpan.FromSeconds(message.TryGetUInt32(StunAttributeType.Lifetime, out var seconds) ? seconds : 600);

    /// <summary>Data from peers: ChannelData on a bound channel, or a Data indication.</summary>
    private void OnUnsolicited(ReadOnlyMemory<byte> message)
    {
        var span = message.Span;
        if (span[0] >> 6 == 1)
        {
            if (ChannelDataMessage.TryRead(span, out var channelData) && _peersByChannel.TryGetValue(channelData.ChannelNumber, out var peer))
            {
                Heard(peer);
                _received.Writer.TryWrite((peer, channelData.Data.ToArray()));
            }

            return;
        }

        if (StunMessage.Read(span, out var indication) == StunReadStatus.Ok
            && indication.Type == new StunMessageType(StunMethod.Data, StunClass.Indication)
            && indication.TryGetXorAddress(StunAttributeType.XorPeerAddress, out var from)
            && indication.TryGetAttribute(StunAttributeType.Data, out var data))
        {
            Heard(from);
            _received.Writer.TryWrite((from, data.ToArray()));
        }
    }

    /// <summary>Traffic from a peer is use too: its permission and channel stay refreshed.</summary>
    private void Heard(TransportAddress peer)
    {
        var now = _time.GetUtcNow();
        if (_permissions.TryGetValue(peer.WithPort(0), out var permission))
        {
            permission.LastUsed = now;
        }

        if (_channelsByPeer.TryGetValue(peer, out var channel))
        {
            channel.LastUsed = now;
        }
    }

    /// <summary>
    /// Once a second: refreshes the allocation when it nears expiry or has been quiet for the
    /// keep-alive interval, and whatever permission or channel expires within the margin and is still
    /// in use (sent to or heard from). A permission or channel whose refresh fails is forgotten, to be
    /// installed again on the next send. A lost allocation is made again, or, without
    /// <see cref="TurnClientOptions.Reallocate"/>, callers are told.
    /// </summary>
    private async Task MaintainAsync()
    {
        using var timer = new PeriodicTimer(MaintenanceInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    if (IsLost)
                    {
                        throw new IOException("the allocation or the connection to the TURN server is gone");
                    }

                    await MaintainOnceAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (_options.Reallocate && IsRequestFailure(e))
                {
                    await ReallocateAsync(e).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        catch (Exception e) when (IsRequestFailure(e))
        {
            Volatile.Write(ref _failure, e);
            _received.Writer.TryComplete(e);
        }
    }

    private async Task MaintainOnceAsync()
    {
        var now = _time.GetUtcNow();
        var margin = _options.RefreshMargin < PermissionLifetime ? _options.RefreshMargin : TimeSpan.FromMinutes(1);
        if (now >= _expiresAt - _options.RefreshMargin || now - _refreshedAt >= _options.KeepAliveInterval || Interlocked.Exchange(ref _refreshSoon, 0) == 1)
        {
            await RefreshAsync(_stopping.Token).ConfigureAwait(false);
        }

        foreach (var (peer, permission) in _permissions)
        {
            if (permission.Installing is { IsCompletedSuccessfully: true } && now >= permission.ExpiresAt - margin && now < permission.ExpiresAt && now - permission.LastUsed < PermissionLifetime)
            {
                await RefreshEntryAsync(() => InstallPermissionAsync(peer, permission, _stopping.Token), () => _permissions.TryRemove(new KeyValuePair<TransportAddress, PermissionState>(peer, permission))).ConfigureAwait(false);
            }
        }

        foreach (var (peer, channel) in _channelsByPeer)
        {
            if (channel.Bound && now >= channel.ExpiresAt - margin && now < channel.ExpiresAt && now - channel.LastUsed < ChannelLifetime)
            {
                await RefreshEntryAsync(() => ChannelBindAsync(peer, channel, _stopping.Token), () => channel.Bound = false).ConfigureAwait(false);
            }
        }
    }

    private async Task RefreshEntryAsync(Func<Task> refresh, Action forget)
    {
        try
        {
            await refresh().ConfigureAwait(false);
        }
        catch (Exception e) when (IsRequestFailure(e))
        {
            if (MeansAllocationLost(e))
            {
                MarkLost();
            }

            forget();
        }
    }

    private static bool IsRequestFailure(Exception e) =>
        e is TurnException or TimeoutException or IOException or System.Net.Sockets.SocketException or ObjectDisposedException;
}
