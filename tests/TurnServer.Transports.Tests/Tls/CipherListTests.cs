using TurnServer.Transports.Tls;

namespace TurnServer.Transports.Tests.Tls;

public sealed class CipherListTests
{
    [Fact]
    public void OpenSslAndIanaNames_MapToSuites_InTheOperatorsOrder()
    {
        var list = CipherList.Parse("ECDHE-RSA-AES256-GCM-SHA384:TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, ecdhe-ecdsa-aes256-gcm-sha384");

        Assert.Equal(new ushort[] { 0xC030, 0xC009, 0xC02C }, list.Codes);
        Assert.Empty(list.Unmapped);
        Assert.Equal(new[] { 0xC009, 0xC02C }, list.SuitesFor(ecdsa: true, new HashSet<ushort> { 0xC009, 0xC02C, 0xC030 }));
        Assert.Equal(new[] { 0xC030 }, list.SuitesFor(ecdsa: false, new HashSet<ushort> { 0xC009, 0xC02C, 0xC030 }));
    }

    [Fact]
    public void OpenSslKeywordsAndExclusions_AreReportedAsUnmapped()
    {
        var list = CipherList.Parse("HIGH:!aNULL:ECDHE-ECDSA-AES128-GCM-SHA256:RC4-MD5");

        Assert.Equal(new ushort[] { 0xC02B }, list.Codes);
        Assert.Equal(new[] { "HIGH", "!aNULL", "RC4-MD5" }, list.Unmapped);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("DEFAULT")]
    public void NoMappableSuite_KeepsTheDefaults(string? text)
    {
        var list = CipherList.Parse(text);

        Assert.Null(list.Codes);
        Assert.Null(list.TlsPolicy);
        Assert.Equal(new[] { 0xC02B, 0xC02C }, list.SuitesFor(ecdsa: true, new HashSet<ushort> { 0xC02C, 0xC02B, 0xC02F }));
    }
}
