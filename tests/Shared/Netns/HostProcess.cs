using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Fathom.Tests.Netns;

/// <summary>
/// One process on a host of a <see cref="NetnsCluster"/>: started through the harness script (its namespace and CPU
/// group), its output kept (the last lines), signals on demand, and its resident memory read from /proc.
/// </summary>
public sealed class HostProcess : IDisposable
{
    private const int KeptLines = 400;
    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _all = new();
    private readonly bool _keepAll;

    internal HostProcess(string name, int host, ProcessStartInfo start, bool keepAll)
    {
        Name = name;
        Host = host;
        _keepAll = keepAll;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Start();
        Pid = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>A name for messages (e.g. "collector silo 2").</summary>
    public string Name { get; }

    /// <summary>The host (1-based) it runs on.</summary>
    public int Host { get; }

    /// <summary>The process id (the script execs into the command, so this is the command itself).</summary>
    public int Pid { get; }

    /// <summary>Whether it has ended; true once disposed too, so that a sampler racing a restart never throws.</summary>
    public bool HasExited
    {
        get
        {
            if (_disposed) return true;
            try { return _process.HasExited; }
            catch (InvalidOperationException) { return true; }
        }
    }

    private volatile bool _disposed;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything it printed (when started to keep it all), else its last lines.</summary>
    public string Output
    {
        get
        {
            lock (_lines) return _keepAll ? _all.ToString() : string.Join('\n', _lines);
        }
    }

    /// <summary>The last lines it printed, for failure messages.</summary>
    public string Tail(int lines = 40)
    {
        lock (_lines) return string.Join('\n', _lines.TakeLast(lines));
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines) _lines.Dequeue();
            if (_keepAll) _all.AppendLine(line);
        }
    }

    /// <summary>
    /// Sends a signal (SIGKILL, SIGSTOP, SIGCONT, SIGINT, SIGTERM) to the process; none once it has exited and been
    /// reaped, as its pid may then be another process's (pid_max is 32,768 here and tests start many processes).
    /// </summary>
    public void Signal(int signal)
    {
        if (HasExited) return;
        if (kill(Pid, signal) != 0 && !HasExited)
            throw new InvalidOperationException($"kill({Pid}, {signal}) failed for {Name}: errno {Marshal.GetLastPInvokeError()}");
    }

    public const int SigInt = 2, SigKill = 9, SigTerm = 15, SigCont = 18, SigStop = 19;

    /// <summary>SIGKILL, then waits until it is gone.</summary>
    public void Kill()
    {
        if (HasExited) return;
        Signal(SigKill);
        _process.WaitForExit(10_000);
    }

    /// <summary>Waits for the process to exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            _process.WaitForExit(); // drains the output readers
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Resident memory in bytes (VmRSS), or null once the process is gone.</summary>
    public long? ResidentBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim()) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>CPU time used so far, user plus system (from /proc/PID/stat), or null once the process is gone.</summary>
    public double? CpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{Pid}/stat");
            // Fields after the command name (which may hold spaces) start after its closing parenthesis; utime and stime are the 14th and 15th.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / (double)ClockTicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>USER_HZ, the unit of /proc's CPU times (100 on Linux).</summary>
    private const int ClockTicksPerSecond = 100;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
