using System.Diagnostics;
using Fathom.Learner;
using Fathom.Learner.Envs;
using static TorchSharp.torch;

namespace Fathom.Bench;

/// <summary>
/// PointMaze env steps per second (envs x steps / wall time) for 1, 64, 1024 and 16384 envs on big_maze:
/// the tensor env on the CPU with 2 torch threads, and the same dynamics as a single-threaded C# loop
/// (<see cref="ScalarPointMaze"/>) in the same run. Actions are pre-generated so only the env is timed.
/// </summary>
public sealed class EnvBench : IBenchmark
{
    private static readonly int[] EnvCounts = [1, 64, 1024, 16384];
    private static readonly TimeSpan MeasureFor = TimeSpan.FromSeconds(1.5);
    private const int ActionSets = 8, WarmupSteps = 30;

    public string Name => "env";
    public string Description => "PointMaze env steps/s at 1..16384 envs: tensor env vs a scalar C# loop";

    public Task<int> RunAsync(string[] args)
    {
        TorchSetup.Configure(threads: 2);
        var layout = MazeLayout.BuiltIn("big_maze");
        var rows = new List<EnvBenchRow>();
        Console.WriteLine($"PointMaze big_maze, kinematic, episode 100, torch threads {get_num_threads()}");
        Console.WriteLine($"{"envs",8} {"tensor steps/s",16} {"scalar steps/s",16}");
        foreach (var n in EnvCounts)
        {
            var row = new EnvBenchRow(n, Tensor(layout, n), Scalar(layout, n));
            rows.Add(row);
            Console.WriteLine($"{n,8} {row.StepsPerS,16:N0} {row.ScalarStepsPerS,16:N0}");
        }
        BenchResults.Write(Name, rows);
        return Task.FromResult(0);
    }

    private static double Tensor(MazeLayout layout, int numEnvs)
    {
        using var env = new PointMaze(layout, numEnvs, seed: 0);
        var generator = new Generator(0);
        var actions = Enumerable.Range(0, ActionSets).Select(_ => rand([numEnvs, 2], generator: generator).mul_(2).sub_(1)).ToArray();
        for (var t = 0; t < WarmupSteps; t++) StepOnce(env, actions[t % ActionSets]);
        var clock = Stopwatch.StartNew();
        long steps = 0;
        while (clock.Elapsed < MeasureFor) StepOnce(env, actions[steps++ % ActionSets]);
        var rate = steps * numEnvs / clock.Elapsed.TotalSeconds;
        foreach (var a in actions) a.Dispose();
        return rate;
    }

    private static void StepOnce(PointMaze env, Tensor actions)
    {
        using var scope = NewDisposeScope();
        env.Step(actions);
    }

    private static double Scalar(MazeLayout layout, int numEnvs)
    {
        var env = new ScalarPointMaze(layout, numEnvs, seed: 0);
        var random = new Random(0);
        var actions = Enumerable.Range(0, ActionSets).Select(_ => Enumerable.Range(0, numEnvs * 2).Select(_ => random.NextSingle() * 2 - 1).ToArray()).ToArray();
        for (var t = 0; t < WarmupSteps; t++) env.Step(actions[t % ActionSets]);
        var clock = Stopwatch.StartNew();
        long steps = 0;
        while (clock.Elapsed < MeasureFor) env.Step(actions[steps++ % ActionSets]);
        return steps * numEnvs / clock.Elapsed.TotalSeconds;
    }

    private sealed record EnvBenchRow(int NumEnvs, double StepsPerS, double ScalarStepsPerS);
}
