using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Fathom.Client.Tests;

/// <summary>
/// The real <c>fathom</c> command as a child process: <c>dotnet fathom.dll ...</c> from the test's output folder
/// (the project reference builds it and copies it there), with stdout and stderr captured and SIGINT on demand.
/// </summary>
sealed class FathomProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _stdout = new();
    readonly StringBuilder _stderr = new();

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public bool HasExited => _process.HasExited;
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    FathomProcess(Process process) => _process = process;

    public static FathomProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>Starts fathom with <paramref name="environment"/> added to this process's (as a pod's variables are).</summary>
    public static FathomProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fathom.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = new Process { StartInfo = info };
        var fathom = new FathomProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (fathom._stdout) fathom._stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (fathom._stderr) fathom._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return fathom;
    }

    /// <summary>Runs fathom to its exit, failing the test (with its output) if it takes longer than <paramref name="timeout"/>.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args) =>
        RunAsync(workingDirectory, new Dictionary<string, string>(), timeout, args);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        using var fathom = Start(workingDirectory, environment, args);
        var code = await fathom.WaitForExitAsync(timeout);
        return (code, fathom.Stdout, fathom.Stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"fathom did not exit within {timeout}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    /// <summary>
    /// Ctrl-C as a terminal sends it: SIGINT to the process. A child of a test host started as a background job of a
    /// script inherits SIGINT ignored (POSIX), and the runtime keeps it so: it then gets SIGTERM, which fathom treats alike.
    /// </summary>
    public void Interrupt() => Assert.Equal(0, kill(_process.Id, IgnoresSigInt(_process.Id) ? SigTerm : SigInt));

    /// <summary>What Kubernetes sends a pod's process when the pod ends: SIGTERM.</summary>
    public void Terminate() => Assert.Equal(0, kill(_process.Id, SigTerm));

    const int SigInt = 2;
    const int SigTerm = 15;

    /// <summary>Whether the process ignores SIGINT, from the SigIgn mask in /proc/PID/status (bit 1 is SIGINT).</summary>
    static bool IgnoresSigInt(int pid)
    {
        var mask = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:".Length..].Trim();
        return (Convert.ToUInt64(mask, 16) & (1UL << (SigInt - 1))) != 0;
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
