using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using TurnServer.Protocol.Framing;

namespace TurnServer.Transports.Udp.Linux;

/// <summary>
/// One thread serving many UDP sockets: epoll says which have datagrams, recvmmsg reads up to
/// <see cref="ReceiveVector.Count"/> from each, their handlers run on this thread, and what they send
/// leaves in sendmmsg calls at the end of the round. Level-triggered, so a busy socket yields to the
/// others after one vector and is read again next round.
/// </summary>
internal sealed unsafe partial class EpollLoop : IDisposable
{
    private const int MaxEvents = 64;

    /// <summary>How often an idle loop looks at whether it is stopping.</summary>
    private const int WaitMilliseconds = 200;

    [ThreadStatic]
    private static EpollLoop? t_current;

    private readonly int _epoll;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly Lock _gate = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly List<DatagramSocket> _closing = [];
    private DatagramSocket? _reading;
    private Registration?[] _registrations = new Registration?[64];
    private int _nextSlot;
    private uint _generation;
    private volatile bool _stopping;

    public EpollLoop(int index, ILogger logger)
    {
        _logger = logger;
        _epoll = LinuxSocketCalls.EpollCreate(LinuxSocketCalls.EpollCloseOnExec);
        if (_epoll < 0)
        {
            throw LinuxErrors.ToException(Marshal.GetLastPInvokeError());
        }

        _thread = new Thread(Run) { IsBackground = true, Name = $"udp-loop-{index}" };
        _thread.Start();
    }

    /// <summary>Starts reading a socket on this loop; dispose the result before the socket.</summary>
    public IDisposable Register(DatagramSocket socket, IDatagramHandler handler)
    {
        Registration registration;
        lock (_gate)
        {
            var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
            if (slot == _registrations.Length)
            {
                var grown = new Registration?[_registrations.Length * 2];
                _registrations.CopyTo(grown, 0);
                Volatile.Write(ref _registrations, grown);
            }

            registration = new Registration(this, socket, handler, slot, ++_generation);
            Volatile.Write(ref _registrations[slot], registration);
        }

        if (!Control(LinuxSocketCalls.EpollAdd, registration, out var error))
        {
            Release(registration);
            throw LinuxErrors.ToException(error);
        }

        return registration;
    }

    private bool Control(int operation, Registration registration, out int error)
    {
        error = 0;
        var epollEvent = stackalloc byte[16];
        MemoryMarshal.Write(new Span<byte>(epollEvent, 4), LinuxSocketCalls.EpollIn | LinuxSocketCalls.EpollReadHangUp);
        MemoryMarshal.Write(new Span<byte>(epollEvent + LinuxSocketCalls.EpollEventDataOffset, 8), registration.Token);
        var held = false;
        try
        {
            registration.Socket.Handle.DangerousAddRef(ref held);
            var descriptor = (int)registration.Socket.Handle.DangerousGetHandle();
            if (LinuxSocketCalls.EpollControl(_epoll, operation, descriptor, epollEvent) == 0)
            {
                return true;
            }

            error = Marshal.GetLastPInvokeError();
            return false;
        }
        catch (ObjectDisposedException)
        {
            error = LinuxSocketCalls.ErrorBadDescriptor;
            return false;
        }
        finally
        {
            if (held)
            {
                registration.Socket.Handle.DangerousRelease();
            }
        }
    }

    private void Unregister(Registration registration)
    {
        // Removed from the set while the descriptor is still open, so no later socket reusing the number inherits it.
        Control(LinuxSocketCalls.EpollDelete, registration, out _);
        Release(registration);
    }

    private void Release(Registration registration)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_registrations[registration.Slot], registration))
            {
                Volatile.Write(ref _registrations[registration.Slot], null);
                _freeSlots.Push(registration.Slot);
            }
        }
    }

    private void Run()
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * LinuxSocketCalls.EpollEventSize));
        using var vector = new ReceiveVector();
        using var batch = new SendBatch();
        DatagramSender.CurrentBatch = batch;
        t_current = this;
        try
        {
            while (!_stopping)
            {
                var ready = LinuxSocketCalls.EpollWait(_epoll, events, MaxEvents, WaitMilliseconds);
                if (ready < 0)
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error != LinuxSocketCalls.ErrorInterrupted)
                    {
                        LogWaitFailed(_logger, error);
                        Thread.Sleep(WaitMilliseconds); // Never spin on a failing wait.
                    }

                    continue;
                }

                try
                {
                    RunRound(events, ready, vector, batch);
                }
#pragma warning disable CA1031 // The loop serves every socket on it: nothing one of them does may end it.
                catch (Exception e)
                {
                    try
                    {
                        LogRoundFailed(_logger, e);
                    }
                    catch (Exception)
                    {
                        // A logger that throws must not end the loop either: an exception leaving this thread ends the process.
                    }
                }
#pragma warning restore CA1031
            }
        }
        finally
        {
            t_current = null;
            DatagramSender.CurrentBatch = null;
            NativeMemory.Free(events);
        }
    }

    private void RunRound(byte* events, int ready, ReceiveVector vector, SendBatch batch)
    {
        try
        {
            for (var i = 0; i < ready; i++)
            {
                Dispatch(events + (i * LinuxSocketCalls.EpollEventSize), vector);
            }
        }
        finally
        {
            batch.Flush();
            CloseDeferred();
        }
    }

    /// <summary>
    /// Closes a socket from a loop's thread; false elsewhere. .NET's close waits until every hold on
    /// the handle has ended, and this thread may hold it: with datagrams queued for it, released by
    /// sending what is queued first, or by reading it, in which case it closes when the read is done.
    /// A handler ends allocations (a Refresh of 0, a failed relay socket), so this happens. Otherwise
    /// the relay socket is closed before the answer to the Refresh leaves, as a client may expect.
    /// </summary>
    internal static bool TryCloseOnLoopThread(DatagramSocket socket)
    {
        if (t_current is not { } loop)
        {
            return false;
        }

        DatagramSender.CurrentBatch!.Flush();
        if (ReferenceEquals(socket, loop._reading))
        {
            loop._closing.Add(socket);
        }
        else
        {
            socket.Socket.Dispose();
        }

        return true;
    }

    private void CloseDeferred()
    {
        foreach (var socket in _closing)
        {
            socket.Socket.Dispose();
        }

        _closing.Clear();
    }

    private void Dispatch(byte* epollEvent, ReceiveVector vector)
    {
        var token = MemoryMarshal.Read<ulong>(new ReadOnlySpan<byte>(epollEvent + LinuxSocketCalls.EpollEventDataOffset, 8));
        var registrations = Volatile.Read(ref _registrations);
        var slot = (int)(uint)token;
        if (slot < registrations.Length && Volatile.Read(ref registrations[slot]) is { } registration && registration.Token == token)
        {
            _reading = registration.Socket;
            try
            {
                Receive(registration, vector);
            }
            finally
            {
                _reading = null;
            }

            if ((MemoryMarshal.Read<uint>(new ReadOnlySpan<byte>(epollEvent, 4)) & (LinuxSocketCalls.EpollHangUp | LinuxSocketCalls.EpollReadHangUp)) != 0)
            {
                // Shut down: what was queued has been read; reads now find nothing, yet epoll reports it ready.
                Stop(registration, "shut down");
            }
        }
    }

    private static void Receive(Registration registration, ReceiveVector vector)
    {
        var socket = registration.Socket;
        var held = false;
        try
        {
            socket.Handle.DangerousAddRef(ref held);
            var received = vector.Receive((int)socket.Handle.DangerousGetHandle(), out var error);
            if (received < 0)
            {
                OnReceiveError(registration, error);
                return;
            }

            var handler = registration.Handler;
            for (var i = 0; i < received; i++)
            {
                var length = vector.Length(i);
                if (vector.IsTruncated(i) || length >= handler.MaxDatagram)
                {
                    socket.Counters.ReceiveFailed();
                    continue;
                }

                handler.Handle(socket, vector.Slot(i), PeerDataFraming.Headroom, length, vector.Sender(i));
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed between the wait and the read: its owner has already unregistered it.
        }
        finally
        {
            if (held)
            {
                socket.Handle.DangerousRelease();
            }
        }
    }

    private static void OnReceiveError(Registration registration, int error)
    {
        if (error is LinuxSocketCalls.ErrorWouldBlock or LinuxSocketCalls.ErrorInterrupted)
        {
            return;
        }

        var socketError = LinuxErrors.ToSocketError(error);
        if (DatagramErrors.IsPeerReport(socketError))
        {
            registration.Socket.Counters.ReceiveFailed();
            return;
        }

        Stop(registration, socketError.ToString());
    }

    private static void Stop(Registration registration, string error)
    {
        if (!registration.Disposed)
        {
            registration.Dispose(); // A socket that cannot be read would wake every wait.
            registration.Handler.Fail(error);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        LinuxSocketCalls.Close(_epoll);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A UDP loop round failed; serving on")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "epoll_wait failed with error {Error}; retrying")]
    private static partial void LogWaitFailed(ILogger logger, int error);

    private sealed class Registration(EpollLoop loop, DatagramSocket socket, IDatagramHandler handler, int slot, uint generation) : IDisposable
    {
        private int _disposed;

        public DatagramSocket Socket { get; } = socket;

        public IDatagramHandler Handler { get; } = handler;

        public int Slot { get; } = slot;

        /// <summary>Slot and generation: an event for a slot since reused is recognised and ignored.</summary>
        public ulong Token { get; } = ((ulong)generation << 32) | (uint)slot;

        public bool Disposed => Volatile.Read(ref _disposed) != 0;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                loop.Unregister(this);
            }
        }
    }
}
