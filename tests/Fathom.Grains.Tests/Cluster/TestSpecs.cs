using Fathom.Grains.Specs;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>Small but complete specs for cluster tests: the shapes of the presets at a size that runs in seconds.</summary>
public static class TestSpecs
{
    /// <summary>
    /// Collector-vs-learner in miniature: a behaviour learner acting through two collectors, a deeper and a
    /// shallower passive learner, short episodes, narrow networks.
    /// </summary>
    public static ExperimentSpec CollectorVsLearner(long budget, long checkpointPeriod = 50, long evaluationPeriod = 100) =>
        SpecLoader.ParseYaml($"""
            seed: 7
            environment: {"{"} train_layout: u_maze, eval_layout: u_maze_eval, episode_length: 20 {"}"}
            budget: {"{"} env_steps: {budget} {"}"}
            collectors:
              - {"{"} count: 2, envs: 16, behaviour: collector, weight_refresh_steps: 5 {"}"}
            learners:
              - name: collector
                role: behaviour
                actor: {"{"} depth: 4, width: 32 {"}"}
                critic: {"{"} depth: 8, width: 32 {"}"}
                batch: 32
                samples_per_insert: 1.6
              - name: deep
                role: passive
                actor: {"{"} depth: 8, width: 32 {"}"}
                critic: {"{"} depth: 8, width: 32 {"}"}
                batch: 32
                samples_per_insert: 1.6
              - name: shallow
                role: passive
                actor: {"{"} depth: 4, width: 32 {"}"}
                critic: {"{"} depth: 4, width: 32 {"}"}
                batch: 32
                samples_per_insert: 1.6
            replay: {"{"} shards: 2, capacity: 1000000, min_transitions: 640 {"}"}
            evaluation: {"{"} period_updates: {evaluationPeriod}, episodes: 16 {"}"}
            checkpoint: {"{"} period_updates: {checkpointPeriod} {"}"}
            """);
}
