using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;
using TurnServer.Testing.Fuzzing;

namespace TurnServer.Protocol.Tests.Fuzzing;

/// <summary>
/// Mutated messages through the reader and every attribute getter: nothing may throw, and whatever is
/// read stays inside the input. A bounded run in CI (FUZZ_SECONDS makes it longer).
/// </summary>
public class ReaderFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Target = "stun-reader";
    private static readonly byte[] Md5Key = new byte[16];
    private static readonly byte[] Sha256Key = new byte[32];

    [Fact]
    public void MutatedMessages_NeverThrow()
    {
        var report = FuzzRunner.Run(Target, FuzzSeeds.Messages, ReadEverything, TimeSpan.FromSeconds(12));

        output.WriteLine($"{report.Executions} inputs in {report.Elapsed.TotalSeconds:F1} s, seed {report.Seed}");
        Assert.True(report.Executions > 10_000, $"only {report.Executions} inputs in {report.Elapsed}");
    }

    [Fact]
    public void SavedFindings_StayFixed()
    {
        var inputs = FuzzRunner.Regressions(Target).ToList();

        Assert.NotEmpty(inputs);
        inputs.ForEach(ReadEverything);
    }

    internal static void ReadEverything(byte[] input)
    {
        ChannelDataMessage.TryRead(input, out _);
        if (StunMessage.Read(input, out var message) != StunReadStatus.Ok)
        {
            return;
        }

        foreach (var attribute in message.Attributes)
        {
            Assert.True(attribute.Value.Length <= input.Length);
            message.TryGetAddress(attribute.Type, out _);
            message.TryGetXorAddress(attribute.Type, out _);
            message.TryGetUInt32(attribute.Type, out _);
            message.TryGetAddressFamily(attribute.Type, out _);
        }

        message.TryGetErrorCode(out _, out _);
        message.TryGetAddressErrorCode(out _, out _, out _);
        message.TryGetUnknownAttributes(stackalloc ushort[8], out _);
        message.TryGetChannelNumber(out _);
        message.TryGetRequestedTransport(out _);
        message.TryGetEvenPort(out _);
        message.TryGetReservationToken(out _);
        message.TryGetIcmp(out _);
        message.TryGetChangeRequest(out _);
        message.TryGetResponsePort(out _);
        message.TryGetPasswordAlgorithm(out _, out _);
        if (message.TryGetPasswordAlgorithms(out var algorithms))
        {
            while (algorithms.MoveNext())
            {
                _ = algorithms.Current;
            }
        }

        message.VerifyFingerprint();
        message.VerifyMessageIntegrity(Md5Key);
        message.VerifyMessageIntegritySha256(Sha256Key);
    }
}
