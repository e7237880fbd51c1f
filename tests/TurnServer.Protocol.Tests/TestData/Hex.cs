namespace TurnServer.Protocol.Tests.TestData;

internal static class Hex
{
    /// <summary>Hex with any spaces or line breaks, as RFCs print it.</summary>
    public static byte[] Parse(string text) =>
        Convert.FromHexString(string.Concat(text.Where(Uri.IsHexDigit)));
}
