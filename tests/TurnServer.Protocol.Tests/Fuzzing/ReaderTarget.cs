using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Channels;
using TurnServer.Protocol.Stun;

namespace TurnServer.Protocol.Tests.Fuzzing;

/// <summary>
/// The reader and every attribute getter as a fuzz target (tests/TurnServer.Fuzz runs it under
/// AFL++): nothing may throw, and whatever is read stays inside the input.
/// </summary>
internal static class ReaderTarget
{
    private static readonly byte[] Md5Key = new byte[16];
    private static readonly byte[] Sha256Key = new byte[32];

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
