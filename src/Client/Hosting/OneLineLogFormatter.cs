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

    private static bool TrySave(string text)
    {
        lock (DetailsLock) return CommonOptions.TrySaveDetails(DetailsPath, text);
    }

    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopeProvider, TextWriter writer)
    {
        var message = entry.Formatter(entry.State, entry.Exception) ?? "";
        var cause = entry.Exception is null ? "" : $" ({CommonOptions.FirstLine(entry.Exception.Message, 200)})";
        var details = TrySave($"{DateTime.UtcNow:O} {entry.LogLevel} {entry.Category}: {message}\n{entry.Exception}\n\n") ? $"; details in {DetailsPath}" : "";
        writer.WriteLine($"fathom: {Level(entry.LogLevel)} from {entry.Category}: {CommonOptions.FirstLine(message, 300)}{cause}{details}");
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Critical or LogLevel.Error => "error",
        LogLevel.Warning => "warning",
        _ => level.ToString().ToLowerInvariant(),
    };
}
