using System.Text;
using TurnServer.Signaling.Tokens;

namespace TurnServer.Signaling.Tests;

public sealed class PeerTokenTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("signaling-secret");
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void IssuedToken_ProvesItsPeerId_UntilItExpires()
    {
        var token = PeerToken.Issue(Secret, "alice", Now.AddMinutes(5));
        Assert.Equal("alice", PeerToken.Validate(Secret, token, Now));
        Assert.Equal("alice", PeerToken.Validate(Secret, token, Now.AddMinutes(5).AddSeconds(-1)));
        Assert.Null(PeerToken.Validate(Secret, token, Now.AddMinutes(5)));
    }

    [Fact]
    public void Token_FromAnotherSecret_IsRefused() =>
        Assert.Null(PeerToken.Validate(Secret, PeerToken.Issue("other"u8, "alice", Now.AddMinutes(5)), Now));

    [Fact]
    public void AnotherPeersIdUnderTheSignature_IsRefused()
    {
        var token = PeerToken.Issue(Secret, "alice", Now.AddMinutes(5));
        Assert.Null(PeerToken.Validate(Secret, token.Replace(":alice:", ":mallory:", StringComparison.Ordinal), Now));
    }

    [Fact]
    public void LaterExpiryUnderTheSignature_IsRefused()
    {
        var token = PeerToken.Issue(Secret, "alice", Now.AddMinutes(5));
        Assert.Null(PeerToken.Validate(Secret, "9" + token, Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("alice")]
    [InlineData("::")]
    [InlineData("x:alice:sig")]
    [InlineData("-5:alice:sig")]
    public void Malformed_IsRefused(string? token) => Assert.Null(PeerToken.Validate(Secret, token, Now));

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("colon:inside")]
    [InlineData("ünïcode")]
    public void PeerIdOutsideTheAlphabet_CannotBeIssued(string peerId) =>
        Assert.Throws<ArgumentException>(() => PeerToken.Issue(Secret, peerId, Now.AddMinutes(5)));

    [Fact]
    public void PeerIdOf64Characters_IsTheLongest()
    {
        Assert.Equal(new string('a', 64), PeerToken.Validate(Secret, PeerToken.Issue(Secret, new string('a', 64), Now.AddMinutes(1)), Now));
        Assert.Throws<ArgumentException>(() => PeerToken.Issue(Secret, new string('a', 65), Now.AddMinutes(1)));
    }
}
