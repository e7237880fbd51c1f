using SharpFuzz;
using TurnServer.Fuzz;

// TurnServer.Fuzz TARGET                       under afl-fuzz: inputs from AFL++, many per process
// TurnServer.Fuzz replay TARGET DIRECTORY...    every file of the directories through TARGET once
// TurnServer.Fuzz seed DIRECTORY                writes the seed corpus (tests/FuzzCorpus)
switch (args)
{
    case [var target] when FuzzTargets.Names.Contains(target):
        // Made on the first input: instrumented code may run only once Fuzzer.Run has mapped AFL++'s
        // coverage memory (before that, SharpFuzz's counters write nowhere).
        Action<byte[]>? run = null;
        Fuzzer.Run(stream =>
        {
            using var input = new MemoryStream();
            stream.CopyTo(input);
            (run ??= FuzzTargets.Create(target))(input.ToArray());
        });
        return 0;
    case ["replay", var target, .. var directories] when FuzzTargets.Names.Contains(target) && directories.Length > 0:
        var replay = FuzzTargets.Create(target);
        var files = directories.SelectMany(directory => Directory.GetFiles(directory)).Order(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            replay(File.ReadAllBytes(file));
        }

        Console.WriteLine($"{target}: {files.Count} inputs replayed");
        return 0;
    case ["seed", var root]:
        SeedCorpus.Write(root);
        return 0;
    default:
        Console.Error.WriteLine($"usage: TurnServer.Fuzz TARGET | replay TARGET DIRECTORY... | seed DIRECTORY  (targets: {string.Join(", ", FuzzTargets.Names)})");
        return 2;
}
