namespace TurnServer.Protocol.Tests.TestData;

/// <summary>The four messages of RFC 5769, read from ../shared/test-vectors/rfc5769.txt.</summary>
internal static class Rfc5769Vectors
{
    public const string ShortTermPassword = "VOkJxbRl1RmTxUk/WvJxBt";
    public const string LongTermUsername = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";
    public const string LongTermPassword = "TheMatrIX";
    public const string LongTermRealm = "example.org";
    public const string LongTermNonce = "f//499k954d6OL34oL9FSTvy64sA";

    private static readonly Lazy<Dictionary<string, byte[]>> Blocks = new(Load);

    public static byte[] Request => Blocks.Value["request"];

    public static byte[] LongTermRequest => Blocks.Value["request with long-term authentication"];

    public static byte[] IPv4Response => Blocks.Value["IPv4 response"];

    public static byte[] IPv6Response => Blocks.Value["IPv6 response"];

    public static IEnumerable<byte[]> All => [Request, LongTermRequest, IPv4Response, IPv6Response];

    // Blocks start with "## name (description)" and continue with lines of hex bytes.
    private static Dictionary<string, byte[]> Load()
    {
        var blocks = new Dictionary<string, byte[]>();
        string? name = null;
        var hex = new List<string>();
        foreach (var line in File.ReadLines(SharedData.PathOf(Path.Combine("test-vectors", "rfc5769.txt"))).Append("## end ("))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    blocks[name] = Convert.FromHexString(string.Concat(hex));
                }

                name = line[3..line.IndexOf(" (", StringComparison.Ordinal)];
                hex.Clear();
            }
            else if (name is not null && line.Length > 0 && !line.StartsWith('#'))
            {
                hex.Add(line.Replace(" ", "", StringComparison.Ordinal));
            }
        }

        return blocks;
    }
}
