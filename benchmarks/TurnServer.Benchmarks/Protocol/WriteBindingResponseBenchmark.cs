using BenchmarkDotNet.Attributes;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Benchmarks.Protocol;

[MemoryDiagnoser]
public class WriteBindingResponseBenchmark
{
    private readonly byte[] _buffer = new byte[1500];
    private readonly TransactionId _transactionId = TransactionId.NewRandom();

    [Benchmark]
    public int WriteBindingSuccess()
    {
        var writer = new StunMessageWriter(_buffer, StunMessageType.BindingSuccess, _transactionId);
        writer.WriteXorAddress(StunAttributeType.XorMappedAddress, SampleMessages.ClientAddress);
        writer.WriteMessageIntegrity(SampleMessages.ShortTermKey);
        writer.WriteFingerprint();
        return writer.Length;
    }
}
