using TurnServer.Host.Tests.Integration;

namespace TurnServer.Host.Tests.Interop;

/// <summary>
/// The amplification probe against coturn, for docs/security.md's comparison: Debian's 4.6.1, or the build
/// named by <c>COTURN_TURNSERVER</c> (upstream 4.17.1 from <c>../shared/anchors</c>).
/// </summary>
[Collection(SequentialCollection.Name)]
public sealed class CoturnAmplificationTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly TestCertificate _certificate = new();

    [RequiresToolFact("turnserver", "coturn")]
    public async Task TheProbe_MeasuresCoturnToo()
    {
        await using var coturn = await CoturnServer.StartAsync(_certificate.CertificatePath, _certificate.KeyPath);
        var results = await AmplificationProbe.MeasureAllAsync(coturn.EndPoint, CoturnServer.Realm);

        results.ForEach(r => output.WriteLine(r.ToString()));
        var worst = results.MaxBy(r => r.Ratio)!;
        output.WriteLine($"coturn ({coturn.Version}) worst: {worst.Shape}, {worst.Ratio:F2}x");

        // The probe reads a real server's answers: coturn challenges an Allocate and answers a Binding.
        Assert.Contains(results, r => r.Shape == "Allocate with REQUESTED-TRANSPORT" && r.Answer == "401");
        Assert.Contains(results, r => r.Shape == "Binding, header only" && r.Answer == "SuccessResponse");
    }

    public void Dispose() => _certificate.Dispose();
}
