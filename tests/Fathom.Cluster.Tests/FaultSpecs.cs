namespace Fathom.Cluster.Tests;

/// <summary>Runs small enough for 2 cores, long enough for a fault in the middle: tiny networks, two collectors.</summary>
static class FaultSpecs
{
    /// <param name="samplesPerInsert">The learners' samples per insert (the schema's default when null).</param>
    public static string Yaml(long envSteps, int collectors = 2, string collectorCount = "count", double? samplesPerInsert = null) => $$"""
        seed: 5
        environment:
          kind: point_maze
          train_layout: u_maze
          eval_layout: u_maze_eval
          episode_length: 20
        budget:
          env_steps: {{envSteps}}
        collectors:
          - {{collectorCount}}: {{collectors}}
            envs: 16
            behaviour: deep
            weight_refresh_steps: 5
        learners:
          - name: deep
            role: behaviour
            actor: { depth: 4, width: 32 }
            critic: { depth: 4, width: 32 }
            batch: 32{{Pace(samplesPerInsert)}}
          - name: shallow
            role: passive
            actor: { depth: 4, width: 16 }
            critic: { depth: 4, width: 16 }
            batch: 32{{Pace(samplesPerInsert)}}
        replay:
          shards: 2
          capacity: 1000000
          min_transitions: 640
        evaluation:
          period_updates: 50
          episodes: 8
        checkpoint:
          period_updates: 20
        """;

    static string Pace(double? samplesPerInsert) =>
        samplesPerInsert is { } spi ? $"\n    samples_per_insert: {spi.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "";
}
