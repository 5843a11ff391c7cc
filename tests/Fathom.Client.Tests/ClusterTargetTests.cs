using Fathom.Client.Hosting;

namespace Fathom.Client.Tests;

/// <summary>Where `fathom` connects: flags over a silo's environment variables over the local default.</summary>
public class ClusterTargetTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    static Func<string, string?> Env(params (string Key, string Value)[] variables) =>
        key => variables.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void Without_flags_or_a_cluster_mode_it_is_local()
    {
        Assert.True(ClusterTarget.Resolve(null, null, Env()).IsLocal);
        Assert.True(ClusterTarget.Resolve(null, null, Env(("FATHOM_MODE", "local"), ("FATHOM_MEMBERSHIP_REDIS", "m:6379"))).IsLocal);
    }

    [Fact]
    public void A_pods_environment_names_the_cluster_its_ids_password_and_state_store()
    {
        var target = ClusterTarget.Resolve(null, null, Env(("FATHOM_MODE", "kubernetes"), ("FATHOM_MEMBERSHIP_REDIS", "redis-membership:6379"),
            ("FATHOM_REPLAY_ENDPOINTS", "replay-0:6379, replay-1:6379"), ("FATHOM_REDIS_PASSWORD", "secret"),
            ("ORLEANS_SERVICE_ID", "svc"), ("ORLEANS_CLUSTER_ID", "blue")));
        Assert.Equal(new ClusterTarget("redis-membership:6379", "replay-0:6379", "secret", "svc", "blue"), target);
        Assert.Equal("secret", target.Redis("replay-0:6379").Password);
        Assert.Equal("own", target.Redis("replay-0:6379,password=own").Password);
    }

    [Fact]
    public void The_state_store_follows_the_silos_rule_and_flags_win()
    {
        var env = Env(("FATHOM_MODE", "redis"), ("FATHOM_MEMBERSHIP_REDIS", "m:1"), ("FATHOM_REPLAY_ENDPOINTS", "r:2"), ("FATHOM_STATE_REDIS", "s:3"));
        Assert.Equal("s:3", ClusterTarget.Resolve(null, null, env).State);
        Assert.Equal("flag:4", ClusterTarget.Resolve(null, "flag:4", env).State);
        Assert.Equal("other:5", ClusterTarget.Resolve("other:5", null, env).Membership);
        // Only the membership Redis known: the state store is asked of the cluster (null here).
        Assert.Null(ClusterTarget.Resolve("m:1", null, Env()).State);
        Assert.Equal(("fathom", "fathom"), (ClusterTarget.Resolve("m:1", null, Env()).ServiceId, ClusterTarget.Resolve("m:1", null, Env()).ClusterId));
    }

    [Fact]
    public void A_bad_mode_or_a_missing_membership_is_named()
    {
        var mode = Assert.Throws<ArgumentException>(() => ClusterTarget.Resolve(null, null, Env(("FATHOM_MODE", "swarm"))));
        Assert.Contains("FATHOM_MODE", mode.Message);
        Assert.Contains("'swarm'", mode.Message);
        var membership = Assert.Throws<ArgumentException>(() => ClusterTarget.Resolve(null, null, Env(("FATHOM_MODE", "redis"))));
        Assert.Contains("FATHOM_MEMBERSHIP_REDIS", membership.Message);
    }

    [Fact]
    public async Task An_unwritable_results_folder_is_refused_before_anything_starts()
    {
        var (folder, path) = TinySpec.Write("nowrite", 1000);
        var blocker = Path.Combine(folder, "a-file");
        File.WriteAllText(blocker, "");
        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, new Dictionary<string, string> { ["FATHOM_RESULTS"] = Path.Combine(blocker, "results") },
            Timeout, "run", path);
        Assert.Equal(2, code);
        Assert.Contains("--results: cannot write to", stderr);
        Assert.Contains("FATHOM_RESULTS", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("local silo", stdout); // nothing started
    }

    [Fact]
    public async Task A_cluster_command_without_a_cluster_says_how_to_name_one()
    {
        var folder = ScratchFolder.Create("fathom-run");
        var (code, _, stderr) = await FathomProcess.RunAsync(folder, Timeout, "status", "some-run");
        Assert.Equal(2, code);
        Assert.Contains("--cluster", stderr);
        Assert.Contains("FATHOM_MEMBERSHIP_REDIS", stderr);
    }
}
