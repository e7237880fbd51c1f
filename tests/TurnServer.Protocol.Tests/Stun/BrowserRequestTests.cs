using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Protocol.Tests.TestData;

namespace TurnServer.Protocol.Tests.Stun;

/// <summary>Binding requests captured from real browsers all read, and their fingerprints hold.</summary>
public class BrowserRequestTests
{
    public static TheoryData<string, string> Requests()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in File.ReadLines(SharedData.PathOf(Path.Combine("test-vectors", "browser-binding-requests.csv"))))
        {
            if (line.StartsWith('#') || line.StartsWith("ip,", StringComparison.Ordinal) || line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            data.Add($"{fields[3]} {fields[4]} {fields[5]}", line);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void EveryCapturedRequest_Reads(string browser, string row)
    {
        var fields = row.Split(',');
        var bytes = Convert.FromBase64String(fields[1]);
        Assert.True(ulong.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture) == Crc64Iso(bytes), $"the row for {browser} is corrupt");

        Assert.Equal(StunReadStatus.Ok, StunMessage.Read(bytes, out var message));
        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        if (message.HasFingerprint)
        {
            Assert.True(message.VerifyFingerprint(), $"{browser}: fingerprint");
        }

        foreach (var attribute in message.Attributes)
        {
            Assert.True(attribute.Value.Length <= bytes.Length);
        }

        Assert.False(message.HasAttribute(StunAttributeType.MessageIntegritySha256));
    }

    // CRC-64/GO-ISO: the checksum the CSV's authors used, only to tell a corrupted row.
    private static ulong Crc64Iso(ReadOnlySpan<byte> data)
    {
        const ulong reflectedPolynomial = 0xD800000000000000;
        var crc = ulong.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1;
            }
        }

        return ~crc;
    }
}
