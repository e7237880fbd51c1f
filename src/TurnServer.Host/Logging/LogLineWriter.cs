using System.Buffers;
using System.Text;

namespace TurnServer.Host.Logging;

/// <summary>
/// Takes log lines from any thread and writes them to a stream on one background thread, in batches.
/// The UDP loops log allocations from their own threads: waking a writer thread for each line (as
/// Microsoft's console logger does) cost two context switches per line, and a sixth of the server's
/// CPU in a burst of allocations. So while lines flow, the writer looks for them every
/// <see cref="BatchInterval"/> and writes what came in one call; once two looks find none, it
/// sleeps until the next line wakes it. A line therefore waits at most that interval.
/// Lines beyond <see cref="Capacity"/> waiting (nobody reads the console) and lines that fail to be
/// written (a full disk) are dropped and counted: the caller never waits on the stream and never sees
/// its errors. The first line written afterwards says how many were lost.
/// Kept instead of Serilog's async sink by measurement (benchmarks/TurnServer.Benchmarks, "logging"):
/// at a burst of allocations' pace its worker spin-waits for each line, 68 µs of process CPU per line
/// against this writer's 9 (docs/benchmarks.md, "Our own log writer").
/// </summary>
internal sealed class LogLineWriter : IDisposable
{
    public const int Capacity = 2500;
    public static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(5);

    // Lines arriving faster than this many intervals apart are batched without waking anyone; a
    // trickle costs a wake-up per line and two looks, about what one wake-up per line would.
    private const int EmptyLooksBeforeSleeping = 2;

    // Lines are written in calls of about this many bytes, so a burst does not grow a large buffer.
    private const int ChunkBytes = 64 * 1024;

    private static readonly TimeSpan DisposeWait = TimeSpan.FromMilliseconds(1500);

    private readonly Stream _target;
    private readonly string _targetName;
    private readonly TextWriter _errors;
    private readonly Func<long, string> _lostNotice;
    private readonly Lock _queueGate = new();
    private readonly Lock _streamGate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly ArrayBufferWriter<byte> _chunk = new(ChunkBytes + 1024);
    private Queue<string> _queued = new();
    private Queue<string> _taken = new();
    private long _dropped;
    private bool _sleeping;
    private bool _disposed;
    private long _lost;
    private bool _failing;

    /// <param name="target">Where lines go: standard output or a file, written by this writer only.</param>
    /// <param name="targetName">Names the target in the one line written to <paramref name="errors"/> when it fails.</param>
    /// <param name="errors">Told once when writing starts to fail.</param>
    /// <param name="lostNotice">The line that reports a number of lost lines, in the target's format.</param>
    public LogLineWriter(Stream target, string targetName, TextWriter errors, Func<long, string> lostNotice)
    {
        _target = target;
        _targetName = targetName;
        _errors = errors;
        _lostNotice = lostNotice;
        _thread = new Thread(Run) { IsBackground = true, Name = "log writer" };
        _thread.Start();
    }

    /// <summary>Queues a line (without its line break); never blocks on the stream.</summary>
    public void Write(string line)
    {
        bool wake;
        lock (_queueGate)
        {
            if (_disposed)
            {
                return;
            }

            if (_queued.Count >= Capacity)
            {
                _dropped++;
                return;
            }

            _queued.Enqueue(line);
            wake = _sleeping;
            _sleeping = false;
        }

        if (wake)
        {
            _wake.Release();
        }
    }

    /// <summary>Writes every queued line now, on the calling thread.</summary>
    public void Flush()
    {
        lock (_streamGate)
        {
            WriteQueuedOrCountLost();
        }
    }

    public void Dispose()
    {
        lock (_queueGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _sleeping = false;
        }

        _wake.Release();

        // A console nobody reads keeps the writer in its write; shutting down does not wait for it.
        if (_thread.Join(DisposeWait))
        {
            _target.Dispose();
        }
    }

    private void Run()
    {
        var emptyLooks = 0;
        while (true)
        {
            bool wrote;
            lock (_streamGate)
            {
                wrote = WriteQueuedOrCountLost();
            }

            if (wrote)
            {
                emptyLooks = 0;
            }
            else if (++emptyLooks >= EmptyLooksBeforeSleeping)
            {
                emptyLooks = 0;
                if (SleepUnlessQueued())
                {
                    _wake.Wait();
                }

                continue;
            }

            if (Volatile.Read(ref _disposed) && !HasQueued())
            {
                return;
            }

            Thread.Sleep(BatchInterval);
        }
    }

    private bool SleepUnlessQueued()
    {
        lock (_queueGate)
        {
            _sleeping = _queued.Count == 0 && !_disposed;
            return _sleeping;
        }
    }

    private bool HasQueued()
    {
        lock (_queueGate)
        {
            return _queued.Count > 0;
        }
    }

    /// <summary>
    /// <see cref="WriteQueued"/>, but whatever throws (the notice's formatter too) costs the lines
    /// being written, never the writer's thread and the process with it.
    /// </summary>
    private bool WriteQueuedOrCountLost()
    {
        try
        {
            return WriteQueued();
        }
        catch (Exception e)
        {
            _lost += _taken.Count;
            _taken.Clear();
            _chunk.ResetWrittenCount();
            Report(e);
            return true;
        }
    }

    /// <summary>Takes what is queued and writes it, a chunk per call. Only under the stream gate.</summary>
    private bool WriteQueued()
    {
        lock (_queueGate)
        {
            (_queued, _taken) = (_taken, _queued);
            _lost += _dropped;
            _dropped = 0;
        }

        if (_taken.Count == 0)
        {
            return false;
        }

        var chunkLines = 0;
        while (_taken.Count > 0)
        {
            // Each chunk opens with the count of lines lost so far, so a chunk that fails is reported too.
            if (chunkLines == 0 && _lost > 0)
            {
                Append(_lostNotice(_lost));
            }

            Append(_taken.Dequeue());
            chunkLines++;
            if (_taken.Count == 0 || _chunk.WrittenCount >= ChunkBytes)
            {
                WriteChunk(chunkLines);
                chunkLines = 0;
            }
        }

        return true;
    }

    private void Append(string line)
    {
        Encoding.UTF8.GetBytes(line, _chunk);
        _chunk.Write("\n"u8);
    }

    private void WriteChunk(int lines)
    {
        try
        {
            _target.Write(_chunk.WrittenSpan);
            _target.Flush();
            _lost = 0;
            _failing = false;
        }
        catch (Exception e)
        {
            _lost += lines;
            Report(e);
        }
        finally
        {
            _chunk.ResetWrittenCount();
        }
    }

    /// <summary>Says once, until lines are written again, that they are being lost.</summary>
    private void Report(Exception e)
    {
        if (_failing)
        {
            return;
        }

        _failing = true;
        try
        {
            _errors.WriteLine($"turnserver: cannot write {_targetName}: {e.Message}; its lines are lost until it can be written");
        }
        catch (Exception)
        {
            // Standard error is gone too: there is nobody left to tell.
        }
    }
}
