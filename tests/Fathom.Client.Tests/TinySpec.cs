using Fathom.Client.Results;
namespace Fathom.Client.Tests;

/// <summary>A run small enough for a test on 2 cores: tiny networks, few envs, a few thousand env steps.</summary>
static class TinySpec
{
    public static string Yaml(long envSteps, string criticDepthOfDeep = "8") => $$"""
        seed: 3
        environment:
          kind: point_maze
          train_layout: u_maze
          eval_layout: u_maze_eval
          episode_length: 20
        budget:
          env_steps: {{envSteps}}
        collectors:
          - count: 1
            envs: 16
            behaviour: deep
            weight_refresh_steps: 5
        learners:
          - name: deep
            role: behaviour
            actor: { depth: 8, width: 32 }
            critic: { depth: {{criticDepthOfDeep}}, width: 32 }
            batch: 32
          - name: shallow
            role: passive
            actor: { depth: 4, width: 32 }
            critic: { depth: 4, width: 32 }
            batch: 32
        replay:
          shards: 1
          capacity: 100000
          min_transitions: 640
        evaluation:
          period_updates: 20
          episodes: 16
        checkpoint:
          period_updates: 20
        """;

    /// <summary>Writes the spec into a fresh folder and returns (folder, spec path).</summary>
    public static (string Folder, string Path) Write(string name, long envSteps, string criticDepthOfDeep = "8")
    {
        var folder = ScratchFolder.Create("fathom-run");
        var path = System.IO.Path.Combine(folder, name + ".yaml");
        File.WriteAllText(path, Yaml(envSteps, criticDepthOfDeep));
        return (folder, path);
    }

    /// <summary>
    /// Whether both learners have evaluated at <paramref name="updates"/> or more in the run's eval.csv, which the
    /// client rewrites within a second of each evaluation (an evaluation and a checkpoint every 20 updates).
    /// </summary>
    public static bool BothEvaluatedPast(string evalPath, long updates)
    {
        if (!File.Exists(evalPath)) return false;
        try
        {
            var points = EvalCsv.Read(evalPath);
            return points.Any(p => p.Learner == "deep" && p.Updates >= updates) && points.Any(p => p.Learner == "shallow" && p.Updates >= updates);
        }
        catch (IOException) { return false; }
        catch (FormatException) { return false; } // caught mid-write
    }
}
