using TurnServer.Host.Configuration;
using TurnServer.Host.Tests.Interop;

namespace TurnServer.Host.Tests.Integration;

/// <summary>The turnadmin-like subcommands make credentials the server (and coturn) accept.</summary>
[Collection(SequentialCollection.Name)]
public sealed class CredentialsCommandsTests
{
    [Fact]
    public async Task RestCredentials_AreAcceptedByAServerWithTheSecret()
    {
        await using var server = await ServerFixture.StartAsync();
        var (username, credential) = Credentials("--secret", ServerFixture.Secret, "--user", "carol", "--ttl=600");
        Assert.EndsWith(":carol", username, StringComparison.Ordinal);

        using var client = new UdpTurnClient(server.EndPoint, username, credential);
        client.Allocate();
        using var wrong = new UdpTurnClient(server.EndPoint, Credentials("--secret", "another-secret").Username, credential);
        Assert.Equal(401, UdpTurnClient.ErrorCode(wrong.Request(Protocol.Stun.StunMethod.Allocate, (ref Protocol.Stun.StunMessageWriter w) => w.WriteRequestedTransport(Protocol.Attributes.TransportProtocol.Udp))));
    }

    [Fact]
    public async Task PasswordKey_StandsInForThePassword()
    {
        var key = PasswordKey("--user", "dave", "--realm", ServerFixture.Realm, "--password", "dave-password");
        await using var server = await ServerFixture.StartAsync($"--user=dave:{key}");

        using var client = new UdpTurnClient(server.EndPoint, "dave", "dave-password");
        client.Allocate();
    }

    [RequiresToolFact("turnadmin", "coturn")]
    public async Task PasswordKey_IsTheKeyTurnadminMakes()
    {
        var (exit, output) = await ExternalTool.RunAsync(ExternalTool.Require("turnadmin", "coturn"), ["-k", "-u", "alice", "-r", "example.org", "-p", "s3cret:with=odd chars"], TimeSpan.FromSeconds(30));
        Assert.Equal(0, exit);

        var ours = PasswordKey("--user", "alice", "--realm", "example.org", "--password", "s3cret:with=odd chars");
        Assert.Contains(ours, output.Split('\n').Select(line => line.Trim()));
    }

    [Fact]
    public void SignalingToken_ProvesThePeerIdToTheSecretsHolder_ForTheTtl()
    {
        using var output = new StringWriter();
        Assert.Equal(0, CredentialsCommands.SignalingToken(["--secret", "s3cret", "--peer", "alice", "--ttl=60"], output, TextWriter.Null, TimeProvider.System));
        var token = output.ToString().Trim();
        Assert.Equal("alice", TurnServer.Signaling.Tokens.PeerToken.Validate("s3cret"u8, token, DateTimeOffset.UtcNow));
        Assert.Null(TurnServer.Signaling.Tokens.PeerToken.Validate("s3cret"u8, token, DateTimeOffset.UtcNow.AddSeconds(61)));
    }

    [Theory]
    [InlineData("credentials")]
    [InlineData("credentials", "--user", "x")]
    [InlineData("credentials", "--secret")]
    [InlineData("password-key", "--user", "x", "--realm", "r")]
    [InlineData("password-key", "--user", "x", "--realm", "r", "--password", "p", "--sha256")]
    [InlineData("signaling-token", "--secret", "s")]
    [InlineData("signaling-token", "--peer", "alice")]
    public void MissingOrUnknownOptions_ExitWith2AndUsage(string command, params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = command switch
        {
            "credentials" => CredentialsCommands.Credentials(args, output, errors, TimeProvider.System),
            "signaling-token" => CredentialsCommands.SignalingToken(args, output, errors, TimeProvider.System),
            _ => CredentialsCommands.PasswordKey(args, output, errors),
        };

        Assert.Equal(2, exit);
        Assert.Empty(output.ToString());
        Assert.Contains("usage: turnserver " + command, errors.ToString(), StringComparison.Ordinal);
    }

    private static (string Username, string Credential) Credentials(params string[] args)
    {
        using var output = new StringWriter();
        Assert.Equal(0, CredentialsCommands.Credentials(args, output, TextWriter.Null, TimeProvider.System));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (lines[0]["username=".Length..], lines[1]["credential=".Length..]);
    }

    private static string PasswordKey(params string[] args)
    {
        using var output = new StringWriter();
        Assert.Equal(0, CredentialsCommands.PasswordKey(args, output, TextWriter.Null));
        return output.ToString().Trim();
    }
}
