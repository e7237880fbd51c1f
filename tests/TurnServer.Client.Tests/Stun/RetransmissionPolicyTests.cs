using TurnServer.Client.Stun;

namespace TurnServer.Client.Tests.Stun;

public class RetransmissionPolicyTests
{
    [Fact]
    public void Defaults_AreRfc8489s_SevenSendsOver39AndAHalfSeconds()
    {
        var waits = RetransmissionPolicy.Default.Waits().Select(w => w.TotalMilliseconds).ToArray();

        // RFC 8489 section 6.2.1: sent at 0, 500, 1500, 3500, 7500, 15500 and 31500 ms, given up at 39500 ms.
        Assert.Equal([500, 1000, 2000, 4000, 8000, 16000, 8000], waits);
        Assert.Equal(39500, waits.Sum());
        Assert.Equal(TimeSpan.FromSeconds(39.5), RetransmissionPolicy.StreamTimeout);
    }

    [Fact]
    public void AShorterPolicy_SendsAsManyTimesAsAsked()
    {
        var waits = new RetransmissionPolicy(TimeSpan.FromMilliseconds(100), 3, 4).Waits().Select(w => w.TotalMilliseconds);

        Assert.Equal([100, 200, 400], waits);
    }
}
