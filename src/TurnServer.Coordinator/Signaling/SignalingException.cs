namespace TurnServer.Coordinator.Signaling;

/// <summary>The signaling service refused a request, or the connection to it ended.</summary>
public sealed class SignalingException : Exception
{
    public SignalingException()
    {
    }

    public SignalingException(string message)
        : base(message)
    {
    }

    public SignalingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SignalingException(string code, string message)
        : base(message) => Code = code;

    /// <summary>The service's error code (<see cref="TurnServer.Signaling.Messages.ErrorCode"/>), or "closed".</summary>
    public string Code { get; } = "error";
}
