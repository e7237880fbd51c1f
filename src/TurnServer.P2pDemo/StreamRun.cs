using System.Buffers.Binary;
using System.Globalization;
using TurnServer.Coordinator.Connections;

namespace TurnServer.P2pDemo;

/// <summary>
/// The NAT lab's liveness scenarios: both sides send sequence-numbered packets at a steady rate
/// for a while, note when each arrives and every path change, and at the end read the times the
/// lab wrote into a marks file ("cut MS", "restore MS": Unix milliseconds) to say how long after
/// the cut packets flowed again, how many were lost, and how long after the restore the path was
/// direct again.
/// </summary>
internal sealed class StreamRun(PeerConnection connection, TimeSpan duration, int rate)
{
    private readonly List<(long At, PathKind Kind)> _paths = [];
    private readonly List<long> _arrivals = [];
    private long _highestSequence = -1;
    private long _longestSendMs;
    private int _received;

    public async Task<Dictionary<string, object?>> RunAsync(string? marksFile)
    {
        connection.PathChanged += (_, change) =>
        {
            lock (_paths)
            {
                _paths.Add((Now, change.Current.Kind));
            }
        };
        using var receiving = new CancellationTokenSource();
        var receiver = ReceiveAsync(receiving.Token);
        var sent = await SendAsync().ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false); // stragglers
        await receiving.CancelAsync().ConfigureAwait(false);
        await receiver.ConfigureAwait(false);
        return Report(sent, marksFile is not null && File.Exists(marksFile) ? ReadMarks(marksFile) : []);
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private async Task<int> SendAsync()
    {
        var packet = new byte[100];
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sequence = 0;
        while (clock.Elapsed < duration)
        {
            BinaryPrimitives.WriteInt64BigEndian(packet, sequence++);
            var sendStarted = clock.ElapsedMilliseconds;
            try
            {
                await connection.SendAsync(packet).ConfigureAwait(false);
                _longestSendMs = Math.Max(_longestSendMs, clock.ElapsedMilliseconds - sendStarted);
            }
            catch (PeerConnectionClosedException)
            {
                break;
            }

            var due = interval * sequence - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due).ConfigureAwait(false);
            }
        }

        return sequence;
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var packet = await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                if (packet.Length < 8)
                {
                    continue;
                }

                _arrivals.Add(Now);
                _received++;
                _highestSequence = Math.Max(_highestSequence, BinaryPrimitives.ReadInt64BigEndian(packet));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or PeerConnectionClosedException)
        {
            // Done.
        }
    }

    private static Dictionary<string, long> ReadMarks(string file) =>
        File.ReadAllLines(file)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length == 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out _))
            .GroupBy(parts => parts[0], StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => long.Parse(group.First()[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);

    private Dictionary<string, object?> Report(int sent, Dictionary<string, long> marks)
    {
        var report = new Dictionary<string, object?>
        {
            ["sent"] = sent,
            ["received"] = _received,
            ["lost"] = Math.Max(0, _highestSequence + 1 - _received),
            ["state"] = connection.State.ToString(),
            ["finalPath"] = connection.Path?.Kind.ToString(),
            ["longestSendMs"] = _longestSendMs,
        };
        lock (_paths)
        {
            report["pathChanges"] = string.Join(' ', _paths.Select(p => $"{p.Kind}@{p.At}"));
        }

        if (marks.TryGetValue("cut", out var cut))
        {
            // The longest silence that ends after the cut: its end is the first packet on the new path.
            var gapEnd = LongestGapEndingAfter(cut);
            report["recoveredMs"] = gapEnd is { } end ? end - cut : null;
        }

        if (marks.TryGetValue("restore", out var restore))
        {
            lock (_paths)
            {
                var direct = _paths.Where(p => p.At >= restore && p.Kind == PathKind.Direct).Select(p => (long?)p.At).FirstOrDefault();
                report["directMs"] = direct is { } at ? at - restore : null;
            }
        }

        return report;
    }

    private long? LongestGapEndingAfter(long cut)
    {
        long? end = null;
        var longest = 0L;
        for (var i = 1; i < _arrivals.Count; i++)
        {
            var gap = _arrivals[i] - _arrivals[i - 1];
            if (_arrivals[i] > cut && gap > longest)
            {
                (longest, end) = (gap, _arrivals[i]);
            }
        }

        return end;
    }
}
