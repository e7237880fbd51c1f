using System.Diagnostics.Metrics;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Metrics;
using TurnServer.Relay.Processing;
using TurnServer.Transports;

namespace TurnServer.Host.Monitoring;

/// <summary>
/// The server's instruments on the shared <see cref="Meter"/> "TurnServer", so the Prometheus
/// endpoint, OTLP and dotnet-counters all read the same ones. They are observable: the engine and
/// transports keep plain counters, and nothing is measured until someone collects. Process and
/// runtime series (CPU, memory, garbage collections) come from OpenTelemetry's instrumentation.
/// </summary>
internal static class TurnServerInstruments
{
    public const string MeterName = "TurnServer";

    public static void Register(Meter meter, TurnEngine engine, TransportCounters transports, TimeProvider time, Func<bool> draining)
    {
        var started = time.GetTimestamp();
        var counters = engine.Counters;
        meter.CreateObservableGauge("turnserver.build.info", () => new Measurement<long>(1, new KeyValuePair<string, object?>("version", Usage.Version)), description: "Always 1; the version is a label.");
        meter.CreateObservableGauge("turnserver.uptime.seconds", () => time.GetElapsedTime(started).TotalSeconds, description: "Seconds since the server started.");
        meter.CreateObservableGauge("turnserver.draining", () => draining() ? 1L : 0L, description: "1 while the server refuses new allocations and waits for live ones to end.");
        meter.CreateObservableUpDownCounter("turnserver.allocations", () => (long)engine.Allocations.Count, description: "Live allocations.");
        meter.CreateObservableUpDownCounter("turnserver.permissions", () => (long)engine.Allocations.All.Sum(a => a.Permissions.Count), description: "Permissions of live allocations.");
        meter.CreateObservableUpDownCounter("turnserver.channels", () => (long)engine.Allocations.All.Sum(a => a.Channels.Count), description: "Channel bindings of live allocations.");
        meter.CreateObservableGauge("turnserver.relay.ports.free", () => Ports(engine, free: true), description: "Relay ports neither in use nor reserved, by family.");
        meter.CreateObservableGauge("turnserver.relay.ports", () => Ports(engine, free: false), description: "Relay ports in the configured range, by family.");
        meter.CreateObservableCounter("turnserver.allocations.created", () => counters.AllocationsCreated, description: "Allocations made.");
        meter.CreateObservableCounter("turnserver.allocations.refused", () => Refusals(counters), description: "Allocate requests refused, by reason (challenges for credentials not included).");
        meter.CreateObservableCounter("turnserver.requests", () => Requests(counters), description: "Requests answered, by method and result.");
        meter.CreateObservableCounter("turnserver.auth.failures", () => counters.AuthenticationFailures, description: "Requests with wrong credentials (not the first challenge).");
        meter.CreateObservableCounter("turnserver.dropped.packets", () => Drops(counters, transports), description: "Messages and packets dropped, or refused as replayed, by peer policy or by a connection limit, by reason.");
        meter.CreateObservableCounter("turnserver.relayed.packets", () => Traffic(engine, bytes: false), description: "Packets relayed, by direction and client transport.");
        meter.CreateObservableCounter("turnserver.relayed.bytes", () => Traffic(engine, bytes: true), unit: "By", description: "Application bytes relayed, by direction and client transport.");
        meter.CreateObservableCounter("turnserver.tls.handshakes", () => Handshakes(transports), description: "TLS and DTLS handshakes, by protocol and result.");
    }

    private static IEnumerable<Measurement<long>> Ports(TurnEngine engine, bool free)
    {
        foreach (var (family, name) in new[] { (StunAddressFamily.IPv4, "ipv4"), (StunAddressFamily.IPv6, "ipv6") })
        {
            if (engine.RelaysFamily(family))
            {
                var pool = engine.PortsFor(family);
                yield return new Measurement<long>(free ? pool.Free : pool.Size, new KeyValuePair<string, object?>("family", name));
            }
        }
    }

    // Methods the server does not know all count as "other": one series, summed.
    private static IEnumerable<Measurement<long>> Requests(EngineCounters counters) =>
        counters.Requests
            .GroupBy(r => (Method: MethodName(r.Method), Result: r.Result == EngineCounters.Success ? "success" : r.Result.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Select(g => new Measurement<long>(
                g.Sum(r => r.Count),
                new KeyValuePair<string, object?>("method", g.Key.Method),
                new KeyValuePair<string, object?>("result", g.Key.Result)));

    private static IEnumerable<Measurement<long>> Refusals(EngineCounters counters) =>
        counters.Requests
            .Where(r => r.Method == StunMethod.Allocate && r.Result is not (EngineCounters.Success or 401 or 438))
            .GroupBy(r => RefusalReason(r.Result))
            .Select(g => new Measurement<long>(g.Sum(r => r.Count), new KeyValuePair<string, object?>("reason", g.Key)));

    private static string RefusalReason(int code) => code switch
    {
        300 => "try_alternate",
        400 => "bad_request",
        403 => "forbidden",
        420 => "unknown_attribute",
        437 => "allocation_mismatch",
        440 => "address_family",
        442 => "transport",
        486 => "quota",
        508 => "capacity",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static IEnumerable<Measurement<long>> Drops(EngineCounters counters, TransportCounters transports) =>
        ServerTotals.Drops(counters, transports).Select(drop => new Measurement<long>(drop.Count, new KeyValuePair<string, object?>("reason", drop.Reason)));

    private static IEnumerable<Measurement<long>> Traffic(TurnEngine engine, bool bytes)
    {
        foreach (var (transport, name) in new[] { (TransportProtocol.Udp, "udp"), (TransportProtocol.Tcp, "tcp") })
        {
            var total = ServerTotals.RelayedFor(engine, transport);
            yield return new Measurement<long>(bytes ? total.BytesToPeer : total.PacketsToPeer, new("direction", "to_peer"), new("transport", name));
            yield return new Measurement<long>(bytes ? total.BytesToClient : total.PacketsToClient, new("direction", "to_client"), new("transport", name));
        }
    }

    private static IEnumerable<Measurement<long>> Handshakes(TransportCounters transports)
    {
        yield return new Measurement<long>(transports.TlsHandshakes, new("protocol", "tls"), new("result", "ok"));
        yield return new Measurement<long>(transports.TlsHandshakeFailures, new("protocol", "tls"), new("result", "failed"));
        yield return new Measurement<long>(transports.DtlsHandshakes, new("protocol", "dtls"), new("result", "ok"));
        yield return new Measurement<long>(transports.DtlsHandshakeFailures, new("protocol", "dtls"), new("result", "failed"));
    }

    private static string MethodName(StunMethod method) => method switch
    {
        StunMethod.Binding => "binding",
        StunMethod.Allocate => "allocate",
        StunMethod.Refresh => "refresh",
        StunMethod.CreatePermission => "create_permission",
        StunMethod.ChannelBind => "channel_bind",
        StunMethod.Connect => "connect",
        StunMethod.ConnectionBind => "connection_bind",
        _ => "other",
    };
}
