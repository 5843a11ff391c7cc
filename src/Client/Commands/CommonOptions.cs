using System.CommandLine;
using Fathom.Client.Hosting;
using Fathom.Grains.Specs;

namespace Fathom.Client.Commands;

/// <summary>The options several commands share, and how they turn into a connection and a spec.</summary>
public static class CommonOptions
{
    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "Redis connection string of a running cluster's membership table (e.g. redis-membership:6379); without it, a silo is co-hosted in this process",
    };

    public static Option<string?> State() => new("--state")
    {
        Description = "Redis connection string of the cluster's state store (weights, checkpoints); default: the --cluster Redis",
    };

    public static Option<string> Results() => new("--results")
    {
        Description = "folder that holds one sub-folder per run",
        DefaultValueFactory = _ => "results",
    };

    public static Option<string?> RunName() => new("--run")
    {
        Description = "name of the run (its folder under --results); default: the spec's name and the start time",
    };

    public static Task<ClusterConnection> Connect(string? cluster, string? state, CancellationToken cancel) =>
        cluster is null ? ClusterConnection.StartLocalAsync(cancel) : ClusterConnection.ConnectAsync(cluster, state, cancel);

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

    public const int BadInput = 2;
}
