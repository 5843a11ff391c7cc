using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Grains.Stores;
using Fathom.Grains.Workers;

namespace Fathom.Grains.Tests.Stores;

/// <summary>The start-time memory estimate against hand-computed parameter counts, and the refusal it leads to.</summary>
public sealed class RunMemoryTests
{
    /// <summary>The spec: a depth-1,024 critic and a depth-512 actor, width 256, PointMaze.</summary>
    public static ExperimentSpec Deep(int actorDepth = 512, int criticDepth = 1024, int width = 256, long capacity = 1_000_000) => SpecLoader.ParseYaml($$"""
        seed: 1
        environment: { kind: point_maze, train_layout: u_maze, eval_layout: u_maze_eval, episode_length: 100 }
        budget: { env_steps: 1000000 }
        collectors:
          - { count: 1, envs: 16, behaviour: deep, weight_refresh_steps: 10 }
        learners:
          - name: deep
            role: behaviour
            actor: { depth: {{actorDepth}}, width: {{width}} }
            critic: { depth: {{criticDepth}}, width: {{width}} }
            batch: 256
        replay: { shards: 1, capacity: {{capacity}}, min_transitions: 1000 }
        evaluation: { period_updates: 100, episodes: 16 }
        checkpoint: { period_updates: 100 }
        """);

    [Fact]
    public void A_td_learners_checkpoints_count_its_twin_critics_and_target_networks()
    {
        var crl = Deep();
        var layout = EnvironmentFactory.Layout(crl.Environment);
        // Q(s, a, g): in 2+2+2, out 1, critic depth 1024 at width 256.
        const long q = 7 * 256 + 1024L * (65_536 + 256) + 257 * 1 + 1025 * 512;
        long actor = RunMemory.ActorParameters(crl.Learners[0], layout);
        foreach (var (algorithm, targets) in new[] { (LearnerAlgorithm.Sac, 2 * q), (LearnerAlgorithm.Td3, 2 * q + actor) })
        {
            var spec = crl with { Learners = [crl.Learners[0] with { Algorithm = algorithm }] };
            Assert.Equal(2 * q, RunMemory.CriticParameters(spec.Learners[0], layout));
            Assert.Equal(targets, RunMemory.TargetParameters(spec.Learners[0], layout));
            Assert.Equal(2 * (3 * 4 * (actor + 2 * q) + 4 * targets), RunMemory.Of(spec).CheckpointBytes);
        }
        Assert.Equal(0, RunMemory.TargetParameters(crl.Learners[0], layout));
    }

    [Fact]
    public void The_1024_512_estimate_matches_hand_computed_parameter_counts()
    {
        var spec = Deep();
        var layout = EnvironmentFactory.Layout(spec.Environment);
        Assert.Equal((2, 2, 2), (layout.StateDim, layout.ActionDim, layout.GoalDim)); // kinematic PointMaze: (x, y), goal (x, y)

        // Dense (in+1)W + D(W^2+W) + (W+1)out, LayerNorm 2W on each of the D+1 hidden layers; W = 256.
        const long actor = 5 * 256 + 512L * (65_536 + 256) + 257 * 4 + 513 * 512;      // in 2+2, out 2x2
        const long phi = 5 * 256 + 1024L * (65_536 + 256) + 257 * 64 + 1025 * 512;     // in 2+2, out 64
        const long psi = 3 * 256 + 1024L * (65_536 + 256) + 257 * 64 + 1025 * 512;     // in 2, out 64
        Assert.Equal(33_950_468, actor);
        Assert.Equal(actor, RunMemory.ActorParameters(spec.Learners[0], layout));
        Assert.Equal(phi + psi, RunMemory.CriticParameters(spec.Learners[0], layout));
        Assert.Equal(135_826_560, phi + psi);

        var memory = RunMemory.Of(spec);
        Assert.Equal(5, RunMemory.LiveWeightVersions(WeightStore.DefaultSupersededLifetime)); // newest, one being written, 3 s of superseded at 1/s
        Assert.Equal(5 * 4 * actor, memory.WeightBytes);                                     // 679 MB
        Assert.Equal(2 * 3 * 4 * (actor + phi + psi), memory.CheckpointBytes);              // 4,075 MB: two checkpoints of 2,037 MB
        Assert.Equal(1_000_000 * (16 + 4) + (1_000_000 / 100 + 1) * RunMemory.EpisodeOverheadBytes, memory.ReplayBytes); // a row: state, action, its CRC
    }

    [Fact]
    public async Task The_1024_512_spec_is_refused_by_the_default_local_store_naming_what_it_needs()
    {
        // What the local mode's silo configures for FATHOM_LOCAL_STORE_MEMORY=2g (FathomSiloHost).
        const long store = 2L << 30;
        var limit = new ReplayBytesLimit(store / 5 * 2, "40% of FATHOM_LOCAL_STORE_MEMORY=2g", store);
        var stores = new StoreMemory(new StoreSettings(["127.0.0.1:1"], false, "127.0.0.1:1", null, TimeSpan.FromSeconds(1), ReplayBytesLimit: limit));

        var error = await Assert.ThrowsAsync<SpecException>(() => stores.ThrowIfTooSmall(Deep()));
        var message = Assert.Single(error.Errors);
        Assert.StartsWith("memory: this run needs 4,779 MB in the embedded store", message);
        Assert.Contains("2 checkpoints of 2,037 MB", message);
        Assert.Contains("5 weight versions of 136 MB", message);
        Assert.Contains("more than the 859 MB it holds safely (40% of FATHOM_LOCAL_STORE_MEMORY=2g)", message);
        Assert.Contains("give it at least 12g of memory", message);

        // A small network of the same shape fits.
        await stores.ThrowIfTooSmall(Deep(actorDepth: 8, criticDepth: 8, width: 64, capacity: 100_000));
    }
}
