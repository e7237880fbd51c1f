using BenchmarkDotNet.Attributes;
using TurnServer.Protocol.Addressing;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Integrity;
using TurnServer.Protocol.Stun;
using TurnServer.Relay.Allocations;
using TurnServer.Relay.Authentication;

namespace TurnServer.Benchmarks.Relay;

/// <summary>
/// A password guesser must not learn which usernames exist from how long the 401 takes: a wrong
/// password for a real user and any password for an unknown one should cost the same (the unknown
/// user is checked against a decoy key, through the same steps). A difference smaller than the
/// drift between the baseline and its repetition is not one this machine can measure.
/// </summary>
[MemoryDiagnoser]
public class BruteForceTimingBenchmark
{
    private static readonly FiveTuple Client = new(TransportAddress.Parse("198.51.100.10:50000"), TransportAddress.Parse("192.0.2.1:3478"), TransportProtocol.Udp);
    private RequestAuthenticator _authenticator = null!;
    private byte[] _wrongPassword = [];
    private byte[] _unknownUser = [];
    private readonly byte[] _keys = new byte[RequestAuthenticator.KeyBufferLength];

    [GlobalSetup]
    public void Setup()
    {
        const string Realm = "example.org";
        var nonces = new NonceService(TimeSpan.FromMinutes(10), securityFeatures: true, TimeProvider.System);
        _authenticator = new RequestAuthenticator(new CredentialStore([StaticUser.FromPassword("alice", "alice-password", Realm)], null), nonces, Realm);
        var nonce = new byte[nonces.Length];
        nonces.Write(Client, nonce);
        _wrongPassword = Signed("alice", "not-her-password", Realm, nonce);
        _unknownUser = Signed("mallory", "anything", Realm, nonce);
    }

    [Benchmark(Baseline = true)]
    public AuthenticationOutcome WrongPassword() => Authenticate(_wrongPassword);

    [Benchmark]
    public AuthenticationOutcome UnknownUser() => Authenticate(_unknownUser);

    /// <summary>The baseline again, last: how far one code path's figures drift between runs on this machine.</summary>
    [Benchmark]
    public AuthenticationOutcome WrongPasswordMeasuredAgain() => Authenticate(_wrongPassword);

    private AuthenticationOutcome Authenticate(byte[] request)
    {
        StunMessage.Read(request, out var message);
        return _authenticator.Authenticate(message, Client, _keys, out _);
    }

    private static byte[] Signed(string user, string password, string realm, byte[] nonce)
    {
        var key = new byte[LongTermCredentials.Md5KeyLength];
        LongTermCredentials.DeriveKey(PasswordAlgorithm.Md5, user, realm, password, key);
        var buffer = new byte[512];
        var writer = new StunMessageWriter(buffer, new StunMessageType(StunMethod.Allocate, StunClass.Request), TransactionId.NewRandom());
        writer.WriteRequestedTransport(TransportProtocol.Udp);
        writer.WriteUtf8(StunAttributeType.Username, user);
        writer.WriteUtf8(StunAttributeType.Realm, realm);
        writer.WriteAttribute(StunAttributeType.Nonce, nonce);
        writer.WriteMessageIntegrity(key);
        writer.WriteFingerprint();
        return writer.Written.ToArray();
    }
}
