using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TurnServer.Protocol.Attributes;
using TurnServer.Protocol.Stun;
using TurnServer.Protocol.Tests.TestData;

namespace TurnServer.Protocol.Tests.Registry;

/// <summary>Every constant we define has the value and the name the IANA STUN registries give it.</summary>
public partial class IanaRegistryTests
{
    [Fact]
    public void EveryAttributeType_MatchesTheRegistry()
    {
        var registry = ReadRegistry("iana-stun-attributes.csv");
        foreach (var type in Enum.GetValues<StunAttributeType>())
        {
            Assert.True(registry.TryGetValue((int)type, out var entry), $"{type} (0x{(int)type:X4}) is not in the registry");
            Assert.Equal(PascalCase(RegisteredAttributeName(entry)), type.ToString());
        }
    }

    [Fact]
    public void EveryMethod_MatchesTheRegistry()
    {
        var registry = ReadRegistry("iana-stun-methods.csv");
        foreach (var method in Enum.GetValues<StunMethod>())
        {
            Assert.True(registry.TryGetValue((int)method, out var entry), $"{method} is not in the registry");
            Assert.Equal(entry.Name, method.ToString());
        }
    }

    [Fact]
    public void EveryErrorCode_MatchesTheRegistry_AndItsReasonPhraseIsTheRegisteredName()
    {
        var registry = ReadRegistry("iana-stun-error-codes.csv");
        foreach (var code in Enum.GetValues<StunErrorCode>())
        {
            Assert.True(registry.TryGetValue((int)code, out var entry), $"{code} is not in the registry");
            Assert.Equal(PascalCase(entry.Name), code.ToString());
            Assert.Equal(entry.Name, Encoding.UTF8.GetString(code.ReasonPhrase()));
        }
    }

    [Fact]
    public void EveryTurnAttributeTheIssueNames_IsDefined()
    {
        string[] required =
        [
            "MAPPED-ADDRESS", "XOR-MAPPED-ADDRESS", "USERNAME", "USERHASH", "MESSAGE-INTEGRITY", "MESSAGE-INTEGRITY-SHA256",
            "FINGERPRINT", "ERROR-CODE", "REALM", "NONCE", "PASSWORD-ALGORITHMS", "PASSWORD-ALGORITHM", "UNKNOWN-ATTRIBUTES",
            "SOFTWARE", "ALTERNATE-SERVER", "ALTERNATE-DOMAIN", "CHANNEL-NUMBER", "LIFETIME", "XOR-PEER-ADDRESS", "DATA",
            "XOR-RELAYED-ADDRESS", "REQUESTED-ADDRESS-FAMILY", "EVEN-PORT", "REQUESTED-TRANSPORT", "DONT-FRAGMENT",
            "RESERVATION-TOKEN", "ADDITIONAL-ADDRESS-FAMILY", "ADDRESS-ERROR-CODE", "ICMP", "CONNECTION-ID", "CHANGE-REQUEST",
            "RESPONSE-ORIGIN", "OTHER-ADDRESS", "RESPONSE-PORT", "PADDING",
        ];
        var defined = Enum.GetNames<StunAttributeType>();
        Assert.All(required, name => Assert.Contains(PascalCase(name), defined));
    }

    private sealed record Entry(string Name, string Reference);

    // Single-value rows only; ranges such as "0x0031-0x7FFF" are unassigned space.
    private static Dictionary<int, Entry> ReadRegistry(string file)
    {
        var registry = new Dictionary<int, Entry>();
        var text = File.ReadAllText(SharedData.PathOf(Path.Combine("test-vectors", file)));
        foreach (Match row in CsvRow().Matches(text))
        {
            var value = row.Groups["value"].Value;
            var number = value.StartsWith("0x", StringComparison.Ordinal)
                ? int.Parse(value.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : int.Parse(value, CultureInfo.InvariantCulture);
            registry[number] = new Entry(row.Groups["name"].Value.Trim('"'), row.Groups["reference"].Value);
        }

        return registry;
    }

    // CHANGE-REQUEST is listed as "Reserved; was CHANGE-REQUEST prior to [RFC5389]" with RFC 5780 (which
    // defines it again) as the reference.
    private static string RegisteredAttributeName(Entry entry)
    {
        var revived = RevivedByRfc5780().Match(entry.Name);
        return revived.Success && entry.Reference.Contains("RFC5780", StringComparison.Ordinal) ? revived.Groups[1].Value : entry.Name;
    }

    private static string PascalCase(string registryName) =>
        string.Concat(registryName.Split('-', ' ').Select(word => char.ToUpperInvariant(word[0]) + word[1..].ToLowerInvariant()));

    [GeneratedRegex(@"^(?<value>(0x[0-9A-Fa-f]+|\d+)),(?<name>[^,\r\n]*),(?<reference>[^\r\n]*)$", RegexOptions.Multiline)]
    private static partial Regex CsvRow();

    [GeneratedRegex(@"^Reserved; was (\S+) prior to")]
    private static partial Regex RevivedByRfc5780();
}
