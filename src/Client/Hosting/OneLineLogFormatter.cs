using Fathom.Client.Commands;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Fathom.Client.Hosting;

/// <summary>
/// How the client's hosts (a co-hosted silo, a cluster client) log to stderr: one line per warning or error with the
/// first line of its message and of its exception's, never a stack trace; the whole entry, trace included, is appended
/// to a file in the temp folder that the line names, for a bug report.
/// </summary>
public sealed class OneLineLogFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "fathom-one-line";

    private static readonly string DetailsPath = Path.Combine(Path.GetTempPath(), $"fathom-log-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.txt");
    private static readonly Lock DetailsLock = new();

    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopeProvider, TextWriter writer)
    {
        var message = entry.Formatter(entry.State, entry.Exception) ?? "";
        var cause = entry.Exception is null ? "" : $" ({CommonOptions.FirstLine(entry.Exception.Message, 200)})";
        var details = TrySave(entry.LogLevel, entry.Category, message, entry.Exception) ? $"; details in {DetailsPath}" : "";
        writer.WriteLine($"fathom: {Level(entry.LogLevel)} from {entry.Category}: {CommonOptions.FirstLine(message, 300)}{cause}{details}");
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Critical or LogLevel.Error => "error",
        LogLevel.Warning => "warning",
        _ => level.ToString().ToLowerInvariant(),
    };

    private static bool TrySave(LogLevel level, string category, string message, Exception? exception)
    {
        try
        {
            lock (DetailsLock) File.AppendAllText(DetailsPath, $"{DateTime.UtcNow:O} {level} {category}: {message}\n{exception}\n\n");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
