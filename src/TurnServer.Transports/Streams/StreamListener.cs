using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Processing;
using TurnServer.Transports.Tls;

namespace TurnServer.Transports.Streams;

/// <summary>
/// Accepts TCP connections on one address, optionally wrapping them in TLS, and supervises them: once
/// a second, connections past their handshake, frame or idle deadline are closed. Deadlines are
/// checked by this scan rather than by a timer per read, so reading allocates nothing.
/// </summary>
public sealed partial class StreamListener : IAsyncDisposable
{
    private static readonly TimeSpan SupervisionInterval = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly TurnEngine _engine;
    private readonly CertificateStore? _certificates;
    private readonly StreamTransportOptions _options;
    private readonly TransportCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConnectionLimiter _limiter;
    private readonly ConcurrentDictionary<StreamConnection, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _acceptLoop;
    private Task? _supervisor;

    public StreamListener(IPEndPoint endPoint, TurnEngine engine, CertificateStore? certificates, StreamTransportOptions options, ConnectionLimiter limiter, TransportCounters counters, ILogger logger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(limiter);
        _engine = engine;
        _certificates = certificates;
        _options = options;
        _counters = counters;
        _logger = logger;
        _time = time;
        _limiter = limiter;
        _socket = ListeningSockets.ListenTcp(endPoint, backlog: 512);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public bool IsTls => _certificates is not null;

    public void Start()
    {
        _acceptLoop = Task.Run(AcceptLoop);
        _supervisor = Task.Run(Supervise);
    }

    private async Task AcceptLoop()
    {
        var local = TransportAddress.FromIPEndPoint(LocalEndPoint);
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                // Out of descriptors, or a connection reset before it was accepted: keep accepting.
                LogAcceptFailed(_logger, LocalEndPoint, e.SocketErrorCode);
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }

            var client = TransportAddress.FromIPEndPoint((IPEndPoint)accepted.RemoteEndPoint!);
            if (!_limiter.TryAcquire(client))
            {
                LogTooManyConnections(_logger, client);
                _counters.ConnectionRefused();
                accepted.Dispose();
                continue;
            }

            accepted.NoDelay = true;
            var connection = new StreamConnection(accepted, new FiveTuple(client, local, TransportProtocol.Tcp), _engine, _options, _counters, _logger, _time);
            // Registered before it starts, so a connection that ends at once cannot be left behind.
            _connections[connection] = Task.CompletedTask;
            _connections.TryUpdate(connection, Run(connection, client), Task.CompletedTask);
        }
    }

    private async Task Run(StreamConnection connection, TransportAddress client)
    {
        await Task.Yield();
        try
        {
            await connection.RunAsync(_certificates).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A connection's failure is its own; the listener keeps accepting.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogConnectionFailed(_logger, connection.FiveTuple, e);
        }
        finally
        {
            _limiter.Release(client);
            _connections.TryRemove(connection, out _);
        }
    }

    private async Task Supervise()
    {
        using var timer = new PeriodicTimer(SupervisionInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                var now = _time.GetTimestamp();
                foreach (var connection in _connections.Keys)
                {
                    if (connection.IsOverdue(now, _time.TimestampFrequency))
                    {
                        LogTimedOut(_logger, connection.FiveTuple);
                        connection.Close();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Close();
        }

        await Task.WhenAll([.. _connections.Values, _acceptLoop ?? Task.CompletedTask, _supervisor ?? Task.CompletedTask]).ConfigureAwait(false);
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accept on {EndPoint} failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, IPEndPoint endPoint, SocketError error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused a connection from {Client}: too many open connections from its source, or in all")]
    private static partial void LogTooManyConnections(ILogger logger, TransportAddress client);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed connection {Client}: handshake, frame or idle timeout")]
    private static partial void LogTimedOut(ILogger logger, FiveTuple client);

    [LoggerMessage(Level = LogLevel.Error, Message = "Connection {Client} failed")]
    private static partial void LogConnectionFailed(ILogger logger, FiveTuple client, Exception exception);
}
