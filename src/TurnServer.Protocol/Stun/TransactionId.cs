using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace TurnServer.Protocol.Stun;

/// <summary>
/// The 96-bit transaction id of a STUN message, held by value so it can key a cache of recent
/// transactions without allocating.
/// </summary>
public readonly struct TransactionId : IEquatable<TransactionId>
{
    public const int Length = 12;

    // Raw bytes reinterpreted in machine order: only equality and round trips depend on them.
    private readonly ulong _head;
    private readonly uint _tail;

    private TransactionId(ulong head, uint tail)
    {
        _head = head;
        _tail = tail;
    }

    public static TransactionId Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Length)
        {
            ThrowHelper.ThrowArgumentTooShort(nameof(source), Length);
        }

        return new TransactionId(MemoryMarshal.Read<ulong>(source), MemoryMarshal.Read<uint>(source[8..]));
    }

    /// <summary>A new id from the cryptographic generator, as RFC 8489 section 5 requires.</summary>
    public static TransactionId NewRandom()
    {
        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes);
        return Read(bytes);
    }

    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            ThrowHelper.ThrowArgumentTooShort(nameof(destination), Length);
        }

        MemoryMarshal.Write(destination, in _head);
        MemoryMarshal.Write(destination[8..], in _tail);
    }

    public bool Equals(TransactionId other) => _head == other._head && _tail == other._tail;

    public override bool Equals(object? obj) => obj is TransactionId other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_head, _tail);

    public static bool operator ==(TransactionId left, TransactionId right) => left.Equals(right);

    public static bool operator !=(TransactionId left, TransactionId right) => !left.Equals(right);

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
