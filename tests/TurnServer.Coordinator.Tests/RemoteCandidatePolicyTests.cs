using System.Net;
using System.Text.Json;
using TurnServer.Coordinator.Candidates;

namespace TurnServer.Coordinator.Tests;

/// <summary>What a peer's description may make us check, and which descriptions are taken at all.</summary>
public sealed class RemoteCandidatePolicyTests
{
    [Theory]
    [InlineData("198.51.100.7", true)]
    [InlineData("100.64.1.2", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("0.1.2.3", false)]
    [InlineData("::", false)]
    [InlineData("224.0.0.251", false)]
    [InlineData("239.255.255.250", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("240.0.0.1", false)]
    [InlineData("ff02::1", false)]
    public void OnlyAddressesAPeerCanHave_AreChecked(string address, bool checkedByDefault)
    {
        Assert.Equal(checkedByDefault, RemoteCandidatePolicy.IsReachableUnicast(IPAddress.Parse(address), allowLoopback: false));
    }

    [Fact]
    public void Loopback_IsCheckedOnlyWhenAllowed()
    {
        Assert.True(RemoteCandidatePolicy.IsReachableUnicast(IPAddress.Loopback, allowLoopback: true));
        Assert.False(RemoteCandidatePolicy.IsReachableUnicast(IPAddress.Broadcast, allowLoopback: true));
    }

    [Fact]
    public void AThousandCandidates_AreCutToTheLimit_AfterTheRefusedOnesAreDropped()
    {
        var candidates = new List<Candidate> { new(CandidateKind.Host, "224.0.0.1", 9), new(CandidateKind.Host, "not an address", 9) };
        candidates.AddRange(Enumerable.Range(1, 1000).Select(port => new Candidate(CandidateKind.Host, "198.51.100.7", port)));
        var taken = RemoteCandidatePolicy.Acceptable(candidates, max: 16, allowLoopback: false).ToList();
        Assert.Equal(16, taken.Count);
        Assert.Equal(Enumerable.Range(1, 16), taken.Select(c => c.EndPoint.Port));
    }

    [Theory]
    [InlineData("""{"kind":"offer","session":"s","ufrag":"abcd","password":"0123456789abcdef","candidates":[]}""", true)]
    [InlineData("""{"kind":"update","session":"s","ufrag":"abcd","password":"0123456789abcdef","candidates":[{"kind":3,"address":"203.0.113.1","port":5000}]}""", true)]
    [InlineData("""{"kind":"offer","session":"s","ufrag":"abcd","password":"0123456789abcdef","candidates":[null]}""", false)]
    [InlineData("""{"kind":"offer","session":"s","ufrag":"abcd","password":"0123456789abcdef","candidates":[{"kind":0,"port":1}]}""", false)]
    [InlineData("""{"kind":"offer","session":"s","ufrag":"abcd","password":"0123456789abcdef","candidates":[{"kind":0,"address":"198.51.100.1","port":1,"protocol":"sctp"}]}""", false)]
    [InlineData("""{"kind":"offer","session":"s","ufrag":"abc","password":"0123456789abcdef","candidates":[]}""", false)]
    [InlineData("""{"kind":"offer","session":"s","ufrag":"abcd","password":"short","candidates":[]}""", false)]
    [InlineData("""{"kind":"hello","session":"s","ufrag":"abcd","password":"0123456789abcdef","candidates":[]}""", false)]
    public void Descriptions_AreTakenOnlyWhenWellFormed(string json, bool taken)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(taken, SessionDescription.FromJson(document.RootElement) is not null);
    }

    [Fact]
    public void AnOverlongUfrag_IsRefused()
    {
        var json = $$"""{"kind":"offer","session":"s","ufrag":"{{new string('u', 257)}}","password":"0123456789abcdef","candidates":[]}""";
        using var document = JsonDocument.Parse(json);
        Assert.Null(SessionDescription.FromJson(document.RootElement));
    }
}
