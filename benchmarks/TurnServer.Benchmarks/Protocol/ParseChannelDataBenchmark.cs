using BenchmarkDotNet.Attributes;
using TurnServer.Protocol.Channels;

namespace TurnServer.Benchmarks.Protocol;

[MemoryDiagnoser]
public class ParseChannelDataBenchmark
{
    private readonly byte[] _message = new byte[ChannelDataMessage.HeaderLength + 100];

    [GlobalSetup]
    public void Setup() => ChannelDataMessage.Write(_message, 0x4001, new byte[100], padForStream: false);

    [Benchmark]
    public int ParseChannelData() => ChannelDataMessage.TryRead(_message, out var message) ? message.Data.Length : -1;
}
