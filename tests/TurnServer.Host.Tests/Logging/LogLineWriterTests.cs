using System.Text;
using TurnServer.Host.Logging;

namespace TurnServer.Host.Tests.Logging;

public sealed class LogLineWriterTests
{
    [Fact]
    public void Lines_AreWrittenInOrder_ByTheWritersThread()
    {
        var target = new RecordingStream();
        using (var writer = new LogLineWriter(target, "test", TextWriter.Null, lost => $"{lost} lost"))
        {
            for (var i = 0; i < 1000; i++)
            {
                writer.Write($"line {i}");
            }

            Assert.True(SpinWait.SpinUntil(() => target.Text.EndsWith("line 999\n", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"line {i}"), target.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(target.Writes < 1000, $"{target.Writes} writes for 1000 lines");
    }

    [Fact]
    public void ATargetThatBlocks_NeverBlocksTheCaller_AndTheFirstLineAfterSaysHowManyWereLost()
    {
        var target = new RecordingStream();
        target.Block();
        using var writer = new LogLineWriter(target, "test", TextWriter.Null, lost => $"{lost} lost");
        writer.Write("first");
        Assert.True(SpinWait.SpinUntil(() => target.Blocked, TimeSpan.FromSeconds(10)));

        for (var i = 0; i < LogLineWriter.Capacity + 10; i++)
        {
            writer.Write($"queued {i}");
        }

        target.Unblock();
        Assert.True(SpinWait.SpinUntil(() => target.Text.Contains($"queued {LogLineWriter.Capacity - 1}\n", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
        writer.Write("after");
        Assert.True(SpinWait.SpinUntil(() => target.Text.Contains("after", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));

        var lines = target.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("first", lines[0]);
        Assert.Equal("10 lost", lines[1]);
        Assert.Equal(Enumerable.Range(0, LogLineWriter.Capacity).Select(i => $"queued {i}"), lines[2..(LogLineWriter.Capacity + 2)]);
        Assert.Equal("after", lines[^1]);
    }

    [Fact]
    public void ALineAfterTheWriterWentToSleep_WakesIt()
    {
        var target = new RecordingStream();
        using var writer = new LogLineWriter(target, "test", TextWriter.Null, lost => $"{lost} lost");
        writer.Write("first");
        Assert.True(SpinWait.SpinUntil(() => target.Text == "first\n", TimeSpan.FromSeconds(10)));

        // Well past its few empty looks: the writer now waits to be woken.
        Thread.Sleep(200);
        writer.Write("second");

        Assert.True(SpinWait.SpinUntil(() => target.Text == "first\nsecond\n", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Dispose_WithTheTargetBlocked_ReturnsAndLeavesTheTargetToTheBlockedWrite()
    {
        var target = new RecordingStream();
        target.Block();
        var writer = new LogLineWriter(target, "test", TextWriter.Null, lost => $"{lost} lost");
        writer.Write("stuck");
        Assert.True(SpinWait.SpinUntil(() => target.Blocked, TimeSpan.FromSeconds(10)));

        writer.Dispose();

        Assert.False(target.Disposed);
        target.Unblock();
    }

    [Fact]
    public void ANoticeThatFailsToFormat_CostsItsChunk_NotTheWritersThread()
    {
        var target = new RecordingStream();
        var errors = new StringWriter();
        var failNotice = true;
        target.Block();
        using var writer = new LogLineWriter(target, "test", errors, lost => failNotice ? throw new FormatException("bad notice") : $"{lost} lost");
        writer.Write("first");
        Assert.True(SpinWait.SpinUntil(() => target.Blocked, TimeSpan.FromSeconds(10)));
        for (var i = 0; i <= LogLineWriter.Capacity; i++)
        {
            writer.Write("queued");
        }

        target.Unblock();
        Assert.True(SpinWait.SpinUntil(() => errors.ToString().Contains("bad notice", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
        failNotice = false;
        writer.Write("after");

        Assert.True(SpinWait.SpinUntil(() => target.Text.Contains("after", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
        Assert.Equal($"first\n{LogLineWriter.Capacity + 1} lost\nafter\n", target.Text);
    }

    [Fact]
    public void Dispose_WritesWhatIsQueued()
    {
        var target = new RecordingStream();
        var writer = new LogLineWriter(target, "test", TextWriter.Null, lost => $"{lost} lost");
        writer.Write("one");
        writer.Write("two");
        writer.Dispose();
        writer.Write("after the end");

        Assert.Equal("one\ntwo\n", target.Text);
        Assert.True(target.Disposed);
    }

    /// <summary>Records what is written; can be made to block its writer, as a console nobody reads does.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly Lock _gate = new();
        private readonly ManualResetEventSlim _open = new(true);
        private readonly StringBuilder _text = new();
        private volatile bool _blocked;

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _text.ToString();
                }
            }
        }

        public int Writes { get; private set; }

        public bool Blocked => _blocked;

        public bool Disposed { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Block() => _open.Reset();

        public void Unblock() => _open.Set();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _blocked = !_open.IsSet;
            _open.Wait();
            _blocked = false;
            lock (_gate)
            {
                _text.Append(Encoding.UTF8.GetString(buffer));
                Writes++;
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
