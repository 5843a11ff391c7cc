using Fathom.Grains.Specs;
using Fathom.Grains.Workers;

namespace Fathom.Grains.Tests.Workers;

/// <summary>A spec's samples-per-insert settings reach a learner's limiter and the collectors' alike.</summary>
public sealed class RateLimitsTests
{
    private static ExperimentSpec Spec(string buffer) => SpecLoader.ParseYaml($"""
        environment: {"{"} train_layout: u_maze, eval_layout: u_maze_eval, episode_length: 50 {"}"}
        budget: {"{"} env_steps: 100000 {"}"}
        collectors:
          - {"{"} count: 1, envs: 8, behaviour: deep {"}"}
        learners:
          - {"{"} name: deep, role: behaviour, batch: 64, samples_per_insert: 2 {buffer} {"}"}
          - {"{"} name: other, role: passive, batch: 128, samples_per_insert: 4 {"}"}
        replay: {"{"} shards: 1, capacity: 100000, min_transitions: 1000 {"}"}
        """);

    [Fact]
    public void The_specs_error_buffer_and_minimum_size_reach_both_sides()
    {
        var spec = Spec(", rate_limiter_error_buffer: 5000");
        var learnerSide = RateLimits.Of(spec, spec.Learners[0]);
        Assert.Equal((2.0, 1000L, 5000.0), (learnerSide.SamplesPerInsert, learnerSide.MinSizeToSample, learnerSide.ErrorBuffer));
        var collectorSide = RateLimits.Learners(spec);
        Assert.Equal(["deep", "other"], collectorSide.Select(l => l.Name));
        Assert.Equal(learnerSide, collectorSide[0].Settings);
        Assert.Equal(64, collectorSide[0].BatchSize);
        // Left out, the band is one batch plus one episode's worth of samples: 128 + 4 x 50.
        Assert.Equal(328.0, collectorSide[1].Settings.ErrorBuffer);
        Assert.Equal(RateLimits.Of(spec, spec.Learners[1]), collectorSide[1].Settings);

        // The band decides when a collector's chunk (8 envs x 50 steps) may go in: inserted 2000, sampled 1000, D = 3000.
        Assert.True(learnerSide.AllowsInsert(2000, 2000, 1000, 400, 64)); // 4800 - 1000 <= 2000 + 5000
        var narrow = RateLimits.Of(Spec(""), Spec("").Learners[0]); // band 64 + 100 = 164
        Assert.False(narrow.AllowsInsert(2000, 2000, 1000, 400, 64));
    }
}
