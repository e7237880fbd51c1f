using System.Diagnostics.CodeAnalysis;

namespace TurnServer.Protocol;

/// <summary>
/// Throws kept out of line so the hot methods that call them stay small enough to inline.
/// Only programming errors throw here; malformed network input is reported as a status.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgumentTooShort(string paramName, int required) =>
        throw new ArgumentException($"Needs at least {required} bytes.", paramName);

    [DoesNotReturn]
    public static void ThrowDestinationTooSmall() =>
        throw new ArgumentException("The destination buffer is too small for this message.", "destination");

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, string message) =>
        throw new ArgumentOutOfRangeException(paramName, message);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);
}
