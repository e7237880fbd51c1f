using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;
using TurnServer.Relay.Relaying;

namespace TurnServer.Relay.Processing;

public sealed partial class TurnEngine
{
    // Binding a port another process holds fails; try a few others before answering 508.
    private const int BindAttempts = 8;

    /// <summary>RFC 8656 section 7.2, the server's handling of an Allocate request.</summary>
    private int AnswerAllocate(in StunMessage request, in ClientContext context, in VerifiedCredentials credentials, Span<byte> response)
    {
        var now = _time.GetTimestamp();

        // 1. A five-tuple holds one allocation; a retransmission of the request that made it gets the
        //    same answer. One that expired but was not swept yet is ended now, to make way.
        if (Allocations.TryGet(context.FiveTuple, out var existing))
        {
            if (!existing!.IsExpired(now))
            {
                return existing.CreatedBy == request.TransactionId && existing.UsernameBytes.SequenceEqual(credentials.Username)
                    ? WriteAllocateSuccess(response, request, credentials, existing, now)
                    : Refuse(response, request, context, StunErrorCode.AllocationMismatch, credentials);
            }

            End(existing, "expired");
        }

        // A draining server makes no new allocations: it points the client elsewhere or says it is full.
        if (Draining)
        {
            return RefuseWhileDraining(response, request, context, credentials);
        }

        // 2. REQUESTED-TRANSPORT must be present and name a transport the server relays.
        if (!request.TryGetRequestedTransport(out var transport))
        {
            return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
        }

        var tcp = transport == TransportProtocol.Tcp;
        if (tcp ? !_options.TcpRelay || _tcpRelays is null : transport != TransportProtocol.Udp || !_options.UdpRelay)
        {
            return Refuse(response, request, context, StunErrorCode.UnsupportedTransportProtocol, credentials);
        }

        // RFC 6062 section 5.1: TCP relaying needs a TCP or TLS control connection and has no port parity.
        if (tcp && (!context.Kind.IsStream()
            || request.HasAttribute(StunAttributeType.EvenPort) || request.HasAttribute(StunAttributeType.ReservationToken)))
        {
            return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
        }

        // 3. DONT-FRAGMENT is honoured by setting DF on the relay socket.
        var dontFragment = request.HasAttribute(StunAttributeType.DontFragment);

        // 4-6. RESERVATION-TOKEN excludes EVEN-PORT and the family attributes; a dual allocation cannot
        //      reserve a port; ADDITIONAL-ADDRESS-FAMILY can only ask for IPv6.
        var hasToken = request.TryGetReservationToken(out var token);
        var hasEvenPort = request.TryGetEvenPort(out var reserveNext);
        var hasFamily = request.TryGetAddressFamily(StunAttributeType.RequestedAddressFamily, out var family);
        var hasAdditional = request.TryGetAddressFamily(StunAttributeType.AdditionalAddressFamily, out var additional);
        if ((hasToken && (hasEvenPort || hasFamily || hasAdditional)) || (hasFamily && hasAdditional) || (hasAdditional && hasEvenPort && reserveNext)
            || (request.HasAttribute(StunAttributeType.ReservationToken) && !hasToken)
            || (request.HasAttribute(StunAttributeType.EvenPort) && !hasEvenPort)
            || (request.HasAttribute(StunAttributeType.RequestedAddressFamily) && !hasFamily)
            || (hasAdditional && additional != StunAddressFamily.IPv6))
        {
            return Refuse(response, request, context, StunErrorCode.BadRequest, credentials);
        }

        var primary = hasFamily ? family : StunAddressFamily.IPv4;
        if (primary is not (StunAddressFamily.IPv4 or StunAddressFamily.IPv6) || _options.RelayAddressFor(primary) is null)
        {
            return Refuse(response, request, context, StunErrorCode.AddressFamilyNotSupported, credentials);
        }

        // 7. Quotas: per user and in total.
        var username = System.Text.Encoding.UTF8.GetString(credentials.Username);
        if ((_options.UserQuota > 0 && Allocations.CountForUser(username) >= _options.UserQuota)
            || (_options.TotalQuota > 0 && Allocations.Count >= _options.TotalQuota))
        {
            return Refuse(response, request, context, StunErrorCode.AllocationQuotaReached, credentials);
        }

        var dual = hasAdditional && _options.RelayAddressFor(StunAddressFamily.IPv6) is not null;
        var lifetime = ClampLifetime(request);
        var allocation = new Allocation(Interlocked.Increment(ref _lastAllocationId), context.FiveTuple, credentials.Username, context.Transport.CreateChannel(context.FiveTuple.Client), request.TransactionId, now, now + Ticks(lifetime))
        {
            RefusedAdditionalFamily = hasAdditional && !dual ? StunAddressFamily.IPv6 : default,
            RelayProtocol = transport,
        };

        // 8. Relay ports: the reserved one, an even one (perhaps keeping its successor), or any; one
        //    per family for a dual allocation.
        var opened = hasToken
            ? TryOpenReserved(allocation, token, dontFragment, now)
            : TryOpenRelay(allocation, primary, hasEvenPort, reserveNext, dontFragment, now)
                && (!dual || TryOpenRelay(allocation, StunAddressFamily.IPv6, false, false, dontFragment, now));
        if (!opened)
        {
            ReleaseRelays(allocation);
            return Refuse(response, request, context, StunErrorCode.InsufficientCapacity, credentials);
        }

        var added = Allocations.TryAdd(allocation, _options.UserQuota, _options.TotalQuota);
        if (added != AllocationTable.AddResult.Added)
        {
            ReleaseRelays(allocation);
            return Refuse(response, request, context, added == AllocationTable.AddResult.QuotaReached ? StunErrorCode.AllocationQuotaReached : StunErrorCode.AllocationMismatch, credentials);
        }

        Counters.AllocationCreated();
        EngineLog.AllocationCreated(_logger, allocation.Username, allocation.FiveTuple, allocation.Relays[0].Address, (long)lifetime.TotalSeconds);
        return WriteAllocateSuccess(response, request, credentials, allocation, now);
    }

    private int WriteAllocateSuccess(Span<byte> response, in StunMessage request, in VerifiedCredentials credentials, Allocation allocation, long now)
    {
        var reply = Reply(response, request, StunClass.SuccessResponse, credentials);
        foreach (var relay in allocation.Relays)
        {
            reply.Writer.WriteXorAddress(StunAttributeType.XorRelayedAddress, relay.Address);
        }

        if (allocation.RefusedAdditionalFamily != default)
        {
            reply.Writer.WriteAddressErrorCode(allocation.RefusedAdditionalFamily, StunErrorCode.AddressFamilyNotSupported);
        }

        reply.Writer.WriteUInt32(StunAttributeType.Lifetime, (uint)Math.Max(0, Seconds(allocation.ExpiresAt - now)));
        foreach (var relay in allocation.Relays)
        {
            if (relay.ReservationToken != 0)
            {
                reply.Writer.WriteReservationToken(relay.ReservationToken);
            }
        }

        reply.Writer.WriteXorAddress(StunAttributeType.XorMappedAddress, allocation.FiveTuple.Client);
        return reply.Finish();
    }

    /// <summary>
    /// RFC 8656 section 7.2: the smaller of the requested and the maximum lifetime, but never less than
    /// the default.
    /// </summary>
    private TimeSpan ClampLifetime(in StunMessage request)
    {
        if (!request.TryGetUInt32(StunAttributeType.Lifetime, out var requestedSeconds))
        {
            return _options.DefaultAllocationLifetime;
        }

        var requested = TimeSpan.FromSeconds(requestedSeconds);
        var clamped = requested < _options.MaxAllocationLifetime ? requested : _options.MaxAllocationLifetime;
        return clamped > _options.DefaultAllocationLifetime ? clamped : _options.DefaultAllocationLifetime;
    }

    private bool TryOpenRelay(Allocation allocation, StunAddressFamily family, bool evenPort, bool reserveNext, bool dontFragment, long now)
    {
        var ports = PortsFor(family);

        // Ports that failed to bind stay taken until this request is done, so no attempt retries one.
        Span<int> failed = stackalloc int[BindAttempts];
        var failures = 0;
        try
        {
            while (failures < BindAttempts)
            {
                ulong reservation = 0;
                var taken = evenPort && reserveNext
                    ? ports.TryTakeEvenWithReservation(now, Ticks(RelayPortPool.ReservationLifetime), out var port, out reservation)
                    : ports.TryTake(evenPort, out port);
                if (!taken)
                {
                    return false;
                }

                // Counted as failed until it binds, so the port is released whatever TryOpen does.
                failed[failures++] = port;
                if (TryBind(allocation, family, port, reservation, dontFragment))
                {
                    failures--;
                    return true;
                }
            }

            return false;
        }
        finally
        {
            foreach (var port in failed[..failures])
            {
                ports.Release(port);
            }
        }
    }

    // A RESERVATION-TOKEN names a port kept in one of the families' pools.
    private bool TryOpenReserved(Allocation allocation, ulong token, bool dontFragment, long now)
    {
        foreach (var family in (ReadOnlySpan<StunAddressFamily>)[StunAddressFamily.IPv4, StunAddressFamily.IPv6])
        {
            if (PortsFor(family).TryRedeem(token, now, out var port))
            {
                if (TryBind(allocation, family, port, 0, dontFragment))
                {
                    return true;
                }

                PortsFor(family).Release(port);
                return false;
            }
        }

        return false;
    }

    private bool TryBind(Allocation allocation, StunAddressFamily family, int port, ulong reservation, bool dontFragment)
    {
        var address = _options.RelayAddressFor(family)!;
        var local = address.Local.WithPort((ushort)port);
        IRelaySocket? socket;
        var sink = new AllocationRelaySink(this, allocation);
        if (allocation.RelayProtocol == TransportProtocol.Tcp)
        {
            if (!_tcpRelays!.TryListen(local, sink, out socket))
            {
                return false;
            }
        }
        else if (_relays.TryOpen(local, dontFragment, sink, out var endpoint))
        {
            socket = endpoint;
        }
        else
        {
            return false;
        }

        allocation.AddRelay(new RelayedTransport(socket!, address.AdvertisedOrLocal.WithPort((ushort)port), reservation));
        return true;
    }

    private void ReleaseRelays(Allocation allocation)
    {
        foreach (var relay in allocation.Relays)
        {
            ReleaseRelay(relay);
        }
    }

    private void ReleaseRelay(RelayedTransport relay)
    {
        relay.Endpoint.Dispose();
        PortsFor(relay.Family).Release(relay.Endpoint.LocalAddress.Port);
    }

    private int RefuseWhileDraining(Span<byte> response, in StunMessage request, in ClientContext context, in VerifiedCredentials credentials)
    {
        var alternates = _options.AlternateServers;
        if (alternates.Count == 0)
        {
            return Refuse(response, request, context, StunErrorCode.InsufficientCapacity, credentials);
        }

        var alternate = alternates[(int)((uint)Interlocked.Increment(ref _nextAlternate) % (uint)alternates.Count)];
        EngineLog.Refused(_logger, context.FiveTuple, request.Method, StunErrorCode.TryAlternate);
        var reply = Reply(response, request, StunClass.ErrorResponse, credentials);
        reply.Writer.WriteErrorCode(StunErrorCode.TryAlternate);
        reply.Writer.WriteAddress(StunAttributeType.AlternateServer, alternate);
        return reply.Finish();
    }
}
