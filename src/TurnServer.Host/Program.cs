using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using TurnServer.Host;
using TurnServer.Host.Configuration;
using TurnServer.Host.Hosting;
using TurnServer.Host.Logging;

InlineSocketCompletions.EnableUnlessConfigured();
try
{
    var commandLine = CommandLine.Parse(args);
    switch (commandLine.Command)
    {
        case "help":
            Console.WriteLine(Usage.Text);
            return 0;
        case "version":
            Console.WriteLine($"turnserver {Usage.Version}");
            return 0;
        case "credentials":
            return CredentialsCommands.Credentials(commandLine.CommandArguments, Console.Out, Console.Error, TimeProvider.System);
        case "signaling-token":
            return CredentialsCommands.SignalingToken(commandLine.CommandArguments, Console.Out, Console.Error, TimeProvider.System);
        case "password-key":
            return CredentialsCommands.PasswordKey(commandLine.CommandArguments, Console.Out, Console.Error);
        case "migrate-config":
            return MigrateConfigCommand.Run(commandLine.CommandArguments, Console.Out, Console.Error);
        case not null:
            throw new ConfigurationException($"unknown command '{commandLine.Command}' (turnserver --help lists the options)");
    }

    var settings = ServerSettings.Read(ConfigurationLoader.Load(commandLine, Environment.GetEnvironmentVariables()));
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ApplicationName = "turnserver", ContentRootPath = AppContext.BaseDirectory });
    builder.Logging.ClearProviders();
    // The UDP loops log from their own threads: the console's lines are written in batches by a
    // writer that never makes them wait, and a console nobody reads costs lines, not relaying.
    BatchingConsoleLoggerProvider.Add(builder.Logging, settings.JsonLogs
        ? logging => logging.AddJsonConsole(options =>
        {
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            options.UseUtcTimestamp = true;
        })
        : logging => logging.AddConsole(options => options.FormatterName = PlainLineFormatter.FormatterName).AddConsoleFormatter<PlainLineFormatter, ConsoleFormatterOptions>());
    builder.Logging.SetMinimumLevel(settings.Verbose ? LogLevel.Debug : LogLevel.Information);
    builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
    if (settings.LogFile is { } logFile)
    {
        // Made by the container, so it is disposed when the host is, writing what is still queued.
        builder.Services.AddSingleton<ILoggerProvider>(_ => FileLoggerProvider.Open(logFile, Console.Error));
    }

    builder.Services.AddSingleton(settings);
    builder.Services.AddSingleton<Func<ServerSettings>>(() => ServerSettings.Read(ConfigurationLoader.Load(commandLine, Environment.GetEnvironmentVariables())));
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddSingleton<TurnServerService>();
    builder.Services.AddHostedService(services => services.GetRequiredService<TurnServerService>());
    builder.Services.AddSingleton<IHostLifetime, DrainingLifetime>();
    await builder.Build().RunAsync().ConfigureAwait(false);
    return 0;
}
catch (ConfigurationException e)
{
    await Console.Error.WriteLineAsync($"turnserver: {e.Message}").ConfigureAwait(false);
    return 2;
}
catch (Tomlyn.TomlException e)
{
    await Console.Error.WriteLineAsync($"turnserver: configuration: {e.Message}").ConfigureAwait(false);
    return 2;
}
catch (System.Net.Sockets.SocketException e)
{
    await Console.Error.WriteLineAsync($"turnserver: cannot listen: {e.Message} (is another server on the port?)").ConfigureAwait(false);
    return 1;
}
catch (FileNotFoundException e)
{
    await Console.Error.WriteLineAsync($"turnserver: {e.Message}").ConfigureAwait(false);
    return 2;
}
