using System.Reflection;

namespace TurnServer.Host;

internal static class Usage
{
    public static string Version =>
        typeof(Usage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public const string Text = """
        turnserver: a STUN/TURN relay server.

        Usage: turnserver [-c turnserver.toml] [options]
               turnserver --version | --help
               turnserver migrate-config /etc/turnserver.conf [-o turnserver.toml]
               turnserver credentials --secret SECRET [--user ID] [--ttl SECONDS]
               turnserver password-key --user NAME --realm REALM --password PASSWORD
               turnserver signaling-token --secret SECRET --peer ID [--ttl SECONDS]

        Settings come from the TOML file (the built-in turnserver.toml unless -c names one; -c also
        reads coturn's turnserver.conf, and migrate-config converts one to TOML), then
        TURNSERVER_* environment variables, then these options, which take coturn's names and forms
        (--name=value or --name value; list options may repeat):

          -p, --listening-port N        UDP port for STUN/TURN (3478)
          -L, --listening-ip IP         address to listen on; repeatable (0.0.0.0)
          -E, --relay-ip IP             address relay sockets bind to; repeatable
          -X, --external-ip IP[/IP]     public address advertised for the relay (1:1 NAT)
              --min-port N, --max-port N   relay port range (49152-65535)
          -r, --realm NAME              realm of the long-term credentials (turnserver)
          -a, --lt-cred-mech            long-term credentials (always on)
          -u, --user NAME:PASSWORD      a user, or NAME:0x<md5 key>; repeatable
              --use-auth-secret         accept TURN REST API credentials
              --static-auth-secret S    REST API secret; repeatable, to rotate
              --allowed-peer-ip RANGE   peers allowed despite the default denies; repeatable
              --denied-peer-ip RANGE    more peers to refuse; repeatable
              --allow-loopback-peers    allow relaying to 127.0.0.0/8 and ::1
              --user-quota N, --total-quota N   allocations per user and in total (0: no limit)
              --unauthenticated-rate N  unauthenticated UDP requests a second per source IP (20)
              --stale-nonce S           seconds a nonce stays valid (600)
              --max-allocate-lifetime S, --channel-lifetime S, --permission-lifetime S
          -f, --fingerprint             FINGERPRINT in every response
              --no-software-attribute   no SOFTWARE attribute in responses
              --no-udp, --no-tcp, --no-tls, --no-dtls   leave a transport off
              --no-rfc5780              no NAT behaviour discovery, even with two listening IPs
              --relay-threads N         threads serving UDP listeners and relays (0: one per core)
              --udp-io batched|portable recvmmsg/sendmmsg epoll loops on Linux, or a .NET
                                        receive loop per socket (batched; portable elsewhere)
              --prometheus              serve /metrics, /healthz and /readyz over HTTP
              --prometheus-address IP, --prometheus-port N   where (127.0.0.1, 9641)
              --otlp-endpoint URL       also push metrics to an OpenTelemetry collector
              --otlp-protocol P, --otlp-interval S   grpc or http/protobuf (grpc), seconds (15)
              --admin-token T           serve the admin API with this bearer token (better
                                        set as TURNSERVER_ADMIN_TOKEN than on a command line)
              --admin-address IP, --admin-port N   where (127.0.0.1, 9642)
              --signaling-secret S      serve the P2P signaling WebSocket, checking peer tokens
                                        with this secret (better as TURNSERVER_SIGNALING_SECRET)
              --signaling-address IP, --signaling-port N   where (0.0.0.0, 8080)
              --drain-timeout S         on SIGTERM or SIGUSR1, refuse new allocations and wait this
                                        long for live ones to end before exiting (60)
              --alternate-server IP[:PORT]   where a draining server sends new allocations
                                        (300 Try Alternate); repeatable
          -l, --log-file PATH           log to this file too
              --log-format plain|json   console log lines as text or JSON objects (plain)
          -v, --verbose                 log more
        """;
}
