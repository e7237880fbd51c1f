namespace TurnServer.Host.Http;

/// <summary>What an HTTP listener is for. Each has its own address, so an operator can expose one and keep another on loopback.</summary>
internal enum HttpRole
{
    Monitoring,
    Admin,
    Signaling,
}
