using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TurnServer.Host.Admin;

/// <summary>
/// The status page's three files, built into the executable. They hold no data and need no token:
/// the page asks the operator for the admin token and reads <c>/admin/summary</c> and
/// <c>/admin/allocations</c> with it. The content security policy lets the page load only its own
/// script and style and talk only to its own origin.
/// </summary>
internal static class StatusPageFiles
{
    private const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/admin/status", "status.html", "text/html; charset=utf-8"),
        ("/admin/status.js", "status.js", "text/javascript; charset=utf-8"),
        ("/admin/status.css", "status.css", "text/css; charset=utf-8"),
    ];

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            var content = Read(resource);
            app.MapGet(path, (HttpContext context) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = Policy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-store";
                return Results.Bytes(content, contentType);
            });
        }
    }

    private static byte[] Read(string resource)
    {
        using var stream = typeof(StatusPageFiles).Assembly.GetManifestResourceStream("status-page/" + resource)
            ?? throw new InvalidOperationException($"The status page's {resource} is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
