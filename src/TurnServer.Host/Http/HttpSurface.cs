using System.Net;
using Microsoft.AspNetCore.Routing;

namespace TurnServer.Host.Http;

/// <summary>One role's routes and the address they are served on.</summary>
internal sealed record HttpSurface(HttpRole Role, IPEndPoint EndPoint, Action<IEndpointRouteBuilder> MapRoutes);
