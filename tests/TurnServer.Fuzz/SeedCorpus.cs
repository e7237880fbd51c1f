using System.Security.Cryptography;
using TurnServer.Protocol.Tests.Fuzzing;
using TurnServer.Relay.Tests.Fuzzing;
using TurnServer.Testing;

namespace TurnServer.Fuzz;

/// <summary>
/// Writes the inputs AFL++ starts from, one folder per target (tests/FuzzCorpus): the RFC 5769
/// vectors, the captured browser Binding requests and our clients' TURN messages for the readers and
/// the dispatch; the shipped turnserver.toml and a coturn turnserver.conf for the configuration
/// readers. Files are named by their hash, so writing again adds nothing twice.
/// </summary>
internal static class SeedCorpus
{
    public static void Write(string root)
    {
        var messages = FuzzSeeds.Messages;
        Write(root, "stun-reader", messages);
        Write(root, "stream-framer", messages.Chunk(3).Select(chunk => chunk.SelectMany(message => message).ToArray()));
        Write(root, "dispatch", new DispatchTarget().Seeds);
        Write(root, "toml", [File.ReadAllBytes(Path.Combine(SharedData.RepositoryRoot, "turnserver.toml")), "[server]\nrealm = \"example.org\"\nuser = [\"alice:secret\"]\nallowed-peer-ip = [\"203.0.113.0/24\"]\n"u8.ToArray()]);
        Write(root, "coturn-config", [File.ReadAllBytes(Path.Combine(SharedData.RepositoryRoot, "tests", "TurnServer.Host.Tests", "Configuration", "coturn-sample.conf"))]);
    }

    private static void Write(string root, string target, IEnumerable<byte[]> inputs)
    {
        var directory = Directory.CreateDirectory(Path.Combine(root, target)).FullName;
        var count = 0;
        foreach (var input in inputs)
        {
            File.WriteAllBytes(Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(input))[..16]), input);
            count++;
        }

        Console.WriteLine($"{target}: {count} seeds in {directory}");
    }
}
