using BenchmarkDotNet.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Benchmarks.Protocol;

[MemoryDiagnoser]
public class ParseBindingRequestBenchmark
{
    private byte[] _request = [];

    [GlobalSetup]
    public void Setup() => _request = SampleMessages.BindingRequest();

    [Benchmark]
    public StunReadStatus ParseBindingRequest() => StunMessage.Read(_request, out _);
}
