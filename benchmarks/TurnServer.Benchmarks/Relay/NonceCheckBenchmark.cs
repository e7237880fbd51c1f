using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;

namespace TurnServer.Benchmarks.Relay;

/// <summary>
/// Every authenticated request checks its nonce, an HMAC-SHA256 over the issue time and the client's
/// IP, port, transport and server address (the five-tuple). The baseline is the one-shot HMAC over 9 bytes, which sets OpenSSL up on every call;
/// <see cref="NonceService"/> builds the HMAC on OpenSSL's plain SHA-256 (<see cref="TurnServer.Protocol.Integrity.Hmac"/>).
/// </summary>
[MemoryDiagnoser]
public class NonceCheckBenchmark
{
    private static readonly FiveTuple Client = new(TransportAddress.Parse("198.51.100.10:50000"), TransportAddress.Parse("192.0.2.1:3478"), TransportProtocol.Udp);
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    // What a nonce's MAC covers: a 4-byte time, the protocol, and two addresses of family, port and 16 bytes.
    private readonly byte[] _input = RandomNumberGenerator.GetBytes(4 + 1 + (2 * 19));
    private readonly byte[] _mac = new byte[32];
    private NonceService _nonces = null!;
    private byte[] _nonce = [];

    [GlobalSetup]
    public void Setup()
    {
        _nonces = new NonceService(TimeSpan.FromMinutes(10), securityFeatures: true, TimeProvider.System);
        _nonce = new byte[_nonces.Length];
        _nonces.Write(Client, _nonce);
    }

    [Benchmark]
    public NonceStatus ValidateNonce() => _nonces.Validate(_nonce, Client);

    [Benchmark(Baseline = true)]
    public int OneShotHmacSha256() => HMACSHA256.HashData(_secret, _input, _mac);
}
