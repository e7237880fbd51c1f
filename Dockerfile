# turnserver in a container. Build: docker build -t turnserver .
# Run with host networking: a relay uses a port per allocation (49152-65535 by default), and
# publishing that range through Docker's userland proxy costs a process and a socket pair per port.
#   docker run -d --network host -v /etc/turnserver:/etc/turnserver:ro turnserver -c /etc/turnserver/turnserver.toml
# Listening on ports below 1024 (443 for TLS) as the non-root user needs --cap-add NET_BIND_SERVICE
# and the capability on the binary, or a port of 1024 and up.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig turnserver.toml ./
COPY src/ src/
RUN dotnet publish src/TurnServer.Host -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
# The images' built-in unprivileged user (UID 1654).
USER app
# glibc keeps freed memory in per-thread arenas: with two, resident memory under allocation churn
# stays about 10% lower (benchmarks/process-soak.sh); the relay path does not call malloc.
ENV MALLOC_ARENA_MAX=2
# 8080 is the signaling WebSocket, served when signaling-secret is set.
EXPOSE 3478/udp 3478/tcp 5349/udp 5349/tcp 9641/tcp 8080/tcp
# SIGTERM drains (new allocations refused, live ones served up to drain-timeout): give docker stop
# that long, e.g. docker stop -t 70.
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "/app/turnserver.dll"]
