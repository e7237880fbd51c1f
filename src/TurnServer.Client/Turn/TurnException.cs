namespace TurnServer.Client.Turn;

/// <summary>The server refused a request: its STUN error code (RFC 8489 section 14.8, RFC 8656 section 19) and reason.</summary>
public sealed class TurnException : Exception
{
    public TurnException()
    {
    }

    public TurnException(string message)
        : base(message)
    {
    }

    public TurnException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TurnException(int errorCode, string reason, string request)
        : base($"{request} refused: {errorCode} {reason}")
    {
        ErrorCode = errorCode;
        Reason = reason;
    }

    /// <summary>401, 403, 437, 486, 508...; 0 when the answer carried no error code.</summary>
    public int ErrorCode { get; }

    public string Reason { get; } = string.Empty;
}
