using System.Diagnostics;

namespace Fathom.Deploy.Tests;

/// <summary>
/// The external tools the deployment checks drive (helm, node with kubernetes-models, yamllint, promtool, redis-server).
/// helm and the npm packages live in $FATHOM_TOOLS (default /opt/fathom-tools), put there by .ci/setup.d/deploy-tools.sh.
/// </summary>
public static class Tools
{
    public static readonly string ToolsRoot = Environment.GetEnvironmentVariable("FATHOM_TOOLS") is { Length: > 0 } root ? root : "/opt/fathom-tools";

    /// <summary>CI sets CI=true: there a missing tool fails the test instead of skipping it.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Full path of a tool, or null. node counts as present only with the validator's npm packages.</summary>
    public static string? Find(string tool)
    {
        if (tool == "node" && !Directory.Exists(Path.Combine(ToolsRoot, "node_modules", "kubernetes-models")))
        {
            return null;
        }
        var bundled = Path.Combine(ToolsRoot, "bin", tool);
        if (File.Exists(bundled))
        {
            return bundled;
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Full path of a tool, or a failure that says how to install it.</summary>
    public static string Require(string tool) =>
        Find(tool) ?? throw new InvalidOperationException(
            $"'{tool}' is missing: run .ci/setup.d/deploy-tools.sh (helm, node packages) or apt-get install prometheus yamllint redis-server.");

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    /// <summary>Runs a tool to completion (bounded by a timeout) and returns its exit code and output.</summary>
    public static Result Run(string tool, IEnumerable<string> arguments, string? workingDirectory = null, int timeoutSeconds = 120) =>
        RunFile(Require(tool), arguments, workingDirectory, timeoutSeconds);

    /// <summary>Runs the program at <paramref name="path"/> as <see cref="Run"/> runs a tool.</summary>
    public static Result RunFile(string path, IEnumerable<string> arguments, string? workingDirectory = null, int timeoutSeconds = 120)
    {
        var tool = Path.GetFileName(path);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["FATHOM_TOOLS"] = ToolsRoot;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} ran longer than {timeoutSeconds} s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>
/// A fact that needs external tools: skipped with a clear message when one is missing on a developer machine,
/// run (and so failing) when one is missing in CI.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        var missing = tools.Where(tool => Tools.Find(tool) is null).ToArray();
        if (missing.Length > 0 && !Tools.InCi)
        {
            Skip = $"missing {string.Join(", ", missing)}: run .ci/setup.d/deploy-tools.sh / apt-get install prometheus yamllint redis-server (in CI this fails)";
        }
    }
}
