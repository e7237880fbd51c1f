using BenchmarkDotNet.Attributes;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Benchmarks.Protocol;

/// <summary>FINGERPRINT's CRC-32 over an ICE check and over a message near the path MTU.</summary>
[MemoryDiagnoser]
public class VerifyFingerprintBenchmark
{
    private byte[] _binding = [];
    private byte[] _large = [];

    [GlobalSetup]
    public void Setup()
    {
        _binding = SampleMessages.BindingRequest();
        var writer = new StunMessageWriter(new byte[1400], new StunMessageType(StunMethod.Send, StunClass.Indication), TransactionId.NewRandom());
        writer.WriteAttribute(StunAttributeType.Data, new byte[1200]);
        writer.WriteFingerprint();
        _large = writer.Written.ToArray();
    }

    [Benchmark]
    public bool VerifyBindingFingerprint() => StunMessage.Read(_binding, out var message) == StunReadStatus.Ok && message.VerifyFingerprint();

    [Benchmark]
    public bool Verify1200ByteFingerprint() => StunMessage.Read(_large, out var message) == StunReadStatus.Ok && message.VerifyFingerprint();
}
