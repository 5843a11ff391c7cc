using System.CommandLine;
using System.Net.Sockets;
using Fathom.Client.Hosting;
using Fathom.Grains.Specs;
using StackExchange.Redis;

namespace Fathom.Client.Commands;

/// <summary>The options several commands share, and how they turn into a connection, a results folder and a spec.</summary>
public static class CommonOptions
{
    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "Redis connection string of a running cluster's membership table (e.g. redis-membership:6379); default: " +
                      "FATHOM_MEMBERSHIP_REDIS when FATHOM_MODE is redis or kubernetes (as in a silo's pod), else a silo co-hosted in this process",
    };

    /// <summary>The spec argument of `run` and `validate`, resolved by <see cref="LoadSpec"/>.</summary>
    public static Argument<string> Spec() => new("spec")
    {
        Description = $"a preset name ({string.Join(", ", Presets.Names)}) or a .yaml/.json spec file",
    };

    public static Option<string?> State() => new("--state")
    {
        Description = "Redis connection string of the cluster's state store (weights, checkpoints); default: FATHOM_STATE_REDIS, " +
                      "else the first of FATHOM_REPLAY_ENDPOINTS, else the state store the cluster's silos report",
    };

    public static Option<string> Results() => new("--results")
    {
        Description = "folder that holds one sub-folder per run (default: FATHOM_RESULTS, else ./results)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FATHOM_RESULTS") is { Length: > 0 } folder ? folder : "results",
    };

    public static Option<string?> RunName() => new("--run")
    {
        Description = $"name of the run (its folder under --results), {RunNames.Allowed}; default: the spec's name and the start time",
    };

    /// <summary>The --run name, else the default from <paramref name="specName"/> and the time; a name that breaks the rule is printed and null returned.</summary>
    public static string? RunNameOrDefault(string? given, string specName) =>
        given is null ? RunNames.Default(specName, DateTime.UtcNow) : IsRunName(given, "--run") ? given : null;

    /// <summary>Whether <paramref name="name"/>, given as <paramref name="source"/> (--run, run), keeps the run-name rule; prints why not.</summary>
    public static bool IsRunName(string name, string source)
    {
        if (RunNames.IsValid(name)) return true;
        Console.Error.WriteLine($"fathom: {source}: {RunNames.Problem(name)}");
        return false;
    }

    /// <summary>Where to connect (flags over the environment, see <see cref="ClusterTarget"/>); a bad setting is printed and null returned.</summary>
    public static ClusterTarget? Target(string? cluster, string? state)
    {
        try
        {
            var target = ClusterTarget.FromProcess(cluster, state);
            if (target.IsLocal) ClusterConnection.LocalOptions(); // the co-hosted silo's variables are checked now, not mid-start
            else
                foreach (var (endpoint, source) in new[] { (target.Membership!, "--cluster"), (target.State, "--state") })
                    if (endpoint is not null && !IsRedisConnection(target, endpoint, source)) return null;
            return target;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"fathom: {e.Message}");
            return null;
        }
    }

    /// <summary>Whether <paramref name="endpoint"/> parses as a Redis connection string; prints why not.</summary>
    static bool IsRedisConnection(ClusterTarget target, string endpoint, string source)
    {
        try
        {
            target.Redis(endpoint);
            return true;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"fathom: {source}: not a Redis connection string ({e.Message}); give host:port, e.g. redis-membership:6379");
            return false;
        }
    }

    /// <summary>For commands that need a running cluster: the target, or null (and what to do, printed) when none is named.</summary>
    public static ClusterTarget? ClusterOnly(string? cluster, string command)
    {
        if (Target(cluster, null) is not { } target) return null;
        if (!target.IsLocal) return target;
        Console.Error.WriteLine($"fathom: {command} needs a running cluster: pass --cluster <membership redis> or set FATHOM_MODE=redis and FATHOM_MEMBERSHIP_REDIS");
        return null;
    }

    /// <summary>
    /// Connects to <paramref name="target"/>; a cluster that cannot be reached (its membership Redis down or elsewhere,
    /// no silo up) is said in one line with what to do, and null returned (exit with <see cref="Unreachable"/>).
    /// </summary>
    public static async Task<ClusterConnection?> Connect(ClusterTarget target, CancellationToken cancel)
    {
        if (target.IsLocal) return await ClusterConnection.StartLocalAsync(cancel);
        try
        {
            return await ClusterConnection.ConnectAsync(target, cancel);
        }
        catch (Exception e) when (e is RedisException or OrleansException or TimeoutException or SocketException)
        {
            var endpoints = string.Join(",", target.Redis(target.Membership!).EndPoints.Select(EndPointCollection.ToString)); // not the password
            await Console.Error.WriteLineAsync($"fathom: cannot reach the cluster through its membership Redis {endpoints} ({Cause(e)}); " +
                                               "check that it and the silos are up and reachable from here, and --cluster (or FATHOM_MEMBERSHIP_REDIS)");
            return null;
        }
    }

    /// <summary>The innermost reason of a failure, first line only: the socket's "Connection refused" rather than the client library's diagnostics.</summary>
    static string Cause(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return FirstLine(e.Message, 200);
    }

    /// <summary>The first line of a message, cut at <paramref name="most"/> characters: what one line on stderr can carry.</summary>
    public static string FirstLine(string text, int most)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length <= most ? line : line[..most] + "...";
    }

    /// <summary>An argument error's own words, first line only, without the " (Parameter 'x')" that .NET appends.</summary>
    public static string FirstLine(ArgumentException e, int most) =>
        FirstLine(e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", ""), most);

    /// <summary>Appends <paramref name="text"/> to a file for a bug report; false when the file cannot be written (a read-only temp folder).</summary>
    public static bool TrySaveDetails(string path, string text)
    {
        try
        {
            File.AppendAllText(path, text);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks that the results folder can be created and written before anything starts (a pod's root is read-only);
    /// prints what is wrong and returns false when not.
    /// </summary>
    public static bool CanWriteResults(string folder)
    {
        var full = Path.GetFullPath(folder);
        try
        {
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".fathom-write-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"fathom: --results: cannot write to '{full}' ({e.Message}); choose a writable folder with --results or FATHOM_RESULTS");
            return false;
        }
    }

    /// <summary>Loads a preset or spec file; a bad spec is printed (every field at fault, with what it allows) and null returned.</summary>
    public static ExperimentSpec? LoadSpec(string presetOrPath)
    {
        try
        {
            return SpecLoader.Resolve(presetOrPath);
        }
        catch (SpecException e)
        {
            Console.Error.WriteLine($"fathom: {e.Message}");
            return null;
        }
    }

    /// <summary>Exit code of input the command refuses: a bad spec, name or option, a run that exists, a folder that does not.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code when the cluster named cannot be reached.</summary>
    public const int Unreachable = 3;
}
