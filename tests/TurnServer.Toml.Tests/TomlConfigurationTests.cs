using System.Text;
using Microsoft.Extensions.Configuration;
using Tomlyn;

namespace TurnServer.Toml.Tests;

public sealed class TomlConfigurationTests : IDisposable
{
    private const string TurnServerToml = """
        # A turnserver-like configuration.
        listening-port = 3478
        realm = "example.org"
        allowed-peer-ip = ["203.0.113.0/24", "198.51.100.7"]
        relay-ratio = 0.5
        verbose = false
        started = 2024-05-01T12:00:00Z

        [tls]
        enabled = true
        certificate.path = "/etc/turn/cert.pem"

        [[user]]
        name = "alice"
        password = "s3cret"

        [[user]]
        name = "bob"
        password = "hunter2"
        """;

    private static readonly Dictionary<string, string> TurnServerSettings = new()
    {
        ["listening-port"] = "3478",
        ["realm"] = "example.org",
        ["allowed-peer-ip:0"] = "203.0.113.0/24",
        ["allowed-peer-ip:1"] = "198.51.100.7",
        ["relay-ratio"] = "0.5",
        ["verbose"] = "false",
        ["started"] = "2024-05-01T12:00:00Z",
        ["tls:enabled"] = "true",
        ["tls:certificate:path"] = "/etc/turn/cert.pem",
        ["user:0:name"] = "alice",
        ["user:0:password"] = "s3cret",
        ["user:1:name"] = "bob",
        ["user:1:password"] = "hunter2",
    };

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("turnserver-toml-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void File_becomes_sections_indexed_children_and_invariant_values()
    {
        var configuration = new ConfigurationBuilder().AddTomlFile(Write("turnserver.toml", TurnServerToml), optional: false).Build();

        Assert.Equal(TurnServerSettings.OrderBy(setting => setting.Key, StringComparer.Ordinal), Settings(configuration));
        Assert.Equal("example.org", configuration["REALM"]);
        Assert.Equal(["0", "1"], configuration.GetSection("user").GetChildren().Select(child => child.Key));
        Assert.Equal("bob", configuration.GetSection("user:1")["name"]);
    }

    [Fact]
    public void Stream_gives_the_same_settings_and_survives_a_reload()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(TurnServerToml));
        var configuration = new ConfigurationBuilder().AddTomlStream(stream).Build();

        configuration.Reload();

        Assert.Equal(TurnServerSettings.OrderBy(setting => setting.Key, StringComparer.Ordinal), Settings(configuration));
    }

    [Fact]
    public void Later_sources_override_earlier_ones_key_by_key()
    {
        var configuration = new ConfigurationBuilder()
            .AddTomlFile(Write("defaults.toml", TurnServerToml))
            .AddTomlFile(Write("local.toml", "listening-port = 3479\n[tls]\nenabled = false\n"))
            .Build();

        Assert.Equal("3479", configuration["listening-port"]);
        Assert.Equal("false", configuration["tls:enabled"]);
        Assert.Equal("/etc/turn/cert.pem", configuration["tls:certificate:path"]);
    }

    [Fact]
    public void Parse_error_names_the_file_line_and_column()
    {
        var path = Write("broken.toml", "realm = \"example.org\"\nlistening-port 3478\n");

        var error = Assert.Throws<TomlException>(() => new ConfigurationBuilder().AddTomlFile(path, optional: false).Build());

        Assert.Equal(path, error.SourceName);
        Assert.Equal((2, 16), (error.Line, error.Column));
        Assert.StartsWith($"{path}(2,16)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("realm = 'a'\nRealm = 'b'\n", 2, 1)]
    [InlineData("[server]\nport = 1\n[Server]\n", 3, 2)]
    [InlineData("user.name = 'a'\nUSER.password = 'b'\n", 2, 1)]
    public void Keys_differing_only_in_case_are_an_error_not_an_overwrite(string document, int line, int column)
    {
        var path = Write("case.toml", document);

        var error = Assert.Throws<TomlException>(() => new ConfigurationBuilder().AddTomlFile(path, optional: false).Build());

        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains("differs only in letter case", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_that_collide_through_a_colon_are_an_error()
    {
        using var stream = new MemoryStream("\"a:b\" = 1\n[a]\nb = 2\n"u8.ToArray());

        var error = Assert.Throws<FormatException>(() => new ConfigurationBuilder().AddTomlStream(stream).Build());

        Assert.Contains("'a:b'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_tables_and_arrays_are_sections_without_a_value()
    {
        var configuration = new ConfigurationBuilder().AddTomlFile(Write("empty.toml", "peers = []\n[limits]\n")).Build();

        Assert.Equal(["limits", "peers"], configuration.GetChildren().Select(child => child.Key).Order());
        Assert.All(configuration.GetChildren(), child => Assert.Null(child.Value));
    }

    [Fact]
    public void Missing_optional_file_gives_no_settings()
    {
        var configuration = new ConfigurationBuilder().AddTomlFile(Path.Combine(_directory.FullName, "absent.toml"), optional: true).Build();

        Assert.Empty(configuration.AsEnumerable());
    }

    [Fact]
    public void Missing_required_file_throws_file_not_found()
    {
        var path = Path.Combine(_directory.FullName, "absent.toml");

        var error = Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddTomlFile(path).Build());

        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void Relative_path_is_taken_from_the_application_base_directory()
    {
        var name = $"{_directory.Name}.toml";
        var path = Path.Combine(AppContext.BaseDirectory, name);
        File.WriteAllText(path, "realm = \"example.org\"\n");
        try
        {
            var configuration = new ConfigurationBuilder().AddTomlFile(name, optional: false).Build();

            Assert.Equal("example.org", configuration["realm"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Source_needs_exactly_one_of_path_and_stream()
    {
        using var stream = new MemoryStream();

        Assert.Throws<ArgumentException>(() => new TomlConfigurationSource().Build(new ConfigurationBuilder()));
        Assert.Throws<ArgumentException>(() => new TomlConfigurationSource { Path = "a.toml", Stream = stream }.Build(new ConfigurationBuilder()));
    }

    private static IEnumerable<KeyValuePair<string, string>> Settings(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(setting => setting.Value is not null)
            .Select(setting => KeyValuePair.Create(setting.Key, setting.Value!))
            .OrderBy(setting => setting.Key, StringComparer.Ordinal);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }
}
