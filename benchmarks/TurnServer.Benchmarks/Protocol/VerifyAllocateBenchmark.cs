using BenchmarkDotNet.Attributes;
using TurnServer.Protocol.Stun;

namespace TurnServer.Benchmarks.Protocol;

/// <summary>
/// Parse plus MESSAGE-INTEGRITY plus FINGERPRINT of an authenticated Allocate, beside .NET's one-shot
/// HMAC-SHA1 over the same bytes, which the verification used until <see cref="TurnServer.Protocol.Integrity.Hmac"/>.
/// </summary>
[MemoryDiagnoser]
public class VerifyAllocateBenchmark
{
    private byte[] _request = [];
    private byte[] _key = [];
    private readonly byte[] _mac = new byte[20];

    [GlobalSetup]
    public void Setup()
    {
        _key = SampleMessages.LongTermKey();
        _request = SampleMessages.AuthenticatedAllocate(_key);
    }

    [Benchmark]
    public bool ParseAndVerifyAllocate() =>
        StunMessage.Read(_request, out var message) == StunReadStatus.Ok && message.VerifyFingerprint() && message.VerifyMessageIntegrity(_key);

#pragma warning disable CA5350 // the baseline is the HMAC-SHA1 the protocol mandates
    [Benchmark(Baseline = true)]
    public int OneShotHmacSha1() => System.Security.Cryptography.HMACSHA1.HashData(_key, _request.AsSpan(0, _request.Length - 32), _mac);
#pragma warning restore CA5350
}
