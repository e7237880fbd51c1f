using System.Buffers.Binary;

namespace TurnServer.Protocol.Attributes;

/// <summary>One entry of PASSWORD-ALGORITHM(S): algorithm and its (usually empty) parameters.</summary>
public readonly ref struct PasswordAlgorithmEntry(PasswordAlgorithm algorithm, ReadOnlySpan<byte> parameters)
{
    public PasswordAlgorithm Algorithm { get; } = algorithm;

    public ReadOnlySpan<byte> Parameters { get; } = parameters;
}

/// <summary>
/// Walks the entries of PASSWORD-ALGORITHMS (RFC 8489 section 14.11): each a 16-bit algorithm, a 16-bit
/// parameter length, and parameters padded to 4 bytes.
/// </summary>
public ref struct PasswordAlgorithmEnumerator
{
    private const int EntryHeaderLength = 4;
    private readonly ReadOnlySpan<byte> _value;
    private int _next;

    internal PasswordAlgorithmEnumerator(ReadOnlySpan<byte> value)
    {
        _value = value;
        _next = 0;
        Current = default;
        IsWellFormed = true;
    }

    public PasswordAlgorithmEntry Current { get; private set; }

    /// <summary>False once an entry was found running past the end of the value.</summary>
    public bool IsWellFormed { get; private set; }

    public readonly PasswordAlgorithmEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_next >= _value.Length || !IsWellFormed)
        {
            return false;
        }

        if (_value.Length - _next < EntryHeaderLength)
        {
            IsWellFormed = false;
            return false;
        }

        var algorithm = (PasswordAlgorithm)BinaryPrimitives.ReadUInt16BigEndian(_value[_next..]);
        int parametersLength = BinaryPrimitives.ReadUInt16BigEndian(_value[(_next + 2)..]);
        var parametersStart = _next + EntryHeaderLength;
        if (parametersStart + parametersLength > _value.Length)
        {
            IsWellFormed = false;
            return false;
        }

        Current = new PasswordAlgorithmEntry(algorithm, _value.Slice(parametersStart, parametersLength));
        _next = Math.Min(_value.Length, parametersStart + ((parametersLength + 3) & ~3));
        return true;
    }

    internal static bool IsWellFormedList(ReadOnlySpan<byte> value)
    {
        var entries = new PasswordAlgorithmEnumerator(value);
        var any = false;
        while (entries.MoveNext())
        {
            any = true;
        }

        return any && entries.IsWellFormed;
    }
}
