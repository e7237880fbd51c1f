using System.Buffers.Binary;

namespace TurnServer.Testing.Fuzzing;

/// <summary>
/// Coverage-blind mutations for STUN-shaped inputs: bit flips, interesting bytes, inserted, removed
/// and repeated chunks, splices with other seeds, and length fields (the message's and the
/// attributes') set to edge values, since lengths are where parsers go wrong.
/// </summary>
public sealed class Mutator(Random random, IReadOnlyList<byte[]> seeds)
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x21, 0x12, 0xA4, 0x42];
    private static readonly ushort[] InterestingLengths = [0, 1, 3, 4, 0x7FFF, 0x8000, 0xFFFC, 0xFFFF];
    private const int MaxLength = 4096;

    public byte[] Next()
    {
        var input = new List<byte>(seeds[random.Next(seeds.Count)]);
        var mutations = 1 + random.Next(4);
        for (var i = 0; i < mutations; i++)
        {
            Mutate(input);
        }

        return [.. input.Take(MaxLength)];
    }

    private void Mutate(List<byte> input)
    {
        switch (random.Next(9))
        {
            case 0 when input.Count > 0:
                input[random.Next(input.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when input.Count > 0:
                input[random.Next(input.Count)] = InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 2:
                input.InsertRange(random.Next(input.Count + 1), Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256)));
                break;
            case 3 when input.Count > 1:
                var start = random.Next(input.Count);
                input.RemoveRange(start, Math.Min(input.Count - start, 1 + random.Next(16)));
                break;
            case 4 when input.Count > 4:
                var from = random.Next(input.Count - 4);
                var chunk = input.GetRange(from, Math.Min(input.Count - from, 4 + random.Next(28)));
                input.InsertRange(random.Next(input.Count + 1), chunk);
                break;
            case 5:
                var other = seeds[random.Next(seeds.Count)];
                var cut = random.Next(input.Count + 1);
                input.RemoveRange(cut, input.Count - cut);
                input.AddRange(other.Skip(random.Next(other.Length + 1)));
                break;
            case 6 when input.Count >= 4:
                SetLength(input, 2);
                break;
            case 7:
                SetAttributeLength(input);
                break;
            default:
                if (input.Count > 0)
                {
                    var keep = random.Next(input.Count);
                    input.RemoveRange(keep, input.Count - keep);
                }

                break;
        }
    }

    /// <summary>Sets a length of one of the message's attributes (their headers start at 20, 4-aligned) to an edge value.</summary>
    private void SetAttributeLength(List<byte> input)
    {
        var offsets = new List<int>();
        for (var offset = 20; offset + 4 <= input.Count; offset += 4 + ((BinaryPrimitives.ReadUInt16BigEndian([input[offset + 2], input[offset + 3]]) + 3) & ~3))
        {
            offsets.Add(offset + 2);
        }

        if (offsets.Count > 0)
        {
            SetLength(input, offsets[random.Next(offsets.Count)]);
        }
    }

    private void SetLength(List<byte> input, int at)
    {
        var value = random.Next(3) == 0 ? (ushort)random.Next(65536) : InterestingLengths[random.Next(InterestingLengths.Length)];
        input[at] = (byte)(value >> 8);
        input[at + 1] = (byte)value;
    }
}
