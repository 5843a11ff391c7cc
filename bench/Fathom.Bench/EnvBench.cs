using System.Diagnostics;
using Fathom.Learner;
using Fathom.Learner.Envs;
using static TorchSharp.torch;

namespace Fathom.Bench;

/// <summary>
/// PointMaze env steps per second (envs x steps / wall time) for 1, 64, 1024 and 16384 envs on big_maze:
/// the tensor env on the CPU with 2 torch threads, and the same dynamics as a single-threaded C# loop
/// (<see cref="ScalarPointMaze"/>) in the same run. Then the MuJoCo Ant maze (<see cref="AntMaze"/>, big_maze,
/// defaults, one worker thread per core) for 1, 16 and 256 envs: the median and range of several timed rounds,
/// since one Ant step is costly enough for a loaded machine to move a single round. Actions are pre-generated so
/// only the env is timed. Steps per CPU-second of this process are printed too: on a shared machine they show what
/// the env costs when wall-clock figures are distorted by other processes. `--threads N` changes the torch thread
/// count (default 2).
/// </summary>
public sealed class EnvBench : IBenchmark
{
    private static readonly int[] EnvCounts = [1, 64, 1024, 16384];
    private static readonly int[] AntEnvCounts = [1, 16, 256];
    private const int AntRounds = 5, AntWarmupSteps = 20;
    private static readonly TimeSpan MeasureFor = TimeSpan.FromSeconds(2);
    // Warm-up spans more than one episode, so resets and the allocator's steady state are both in place before timing.
    private const int ActionSets = 8, WarmupSteps = 150;

    public string Name => "env";
    public string Description => "env steps/s: PointMaze at 1..16384 envs (tensor env vs a scalar C# loop), MuJoCo Ant at 1..256";

    public Task<int> RunAsync(string[] args)
    {
        var threads = args.Length == 2 && args[0] == "--threads" && int.TryParse(args[1], out var t) && t > 0 ? t : 2;
        TorchSetup.Configure(threads);
        var layout = MazeLayout.BuiltIn("big_maze");
        var rows = new List<object>();
        Console.WriteLine($"PointMaze big_maze, kinematic, episode 100, torch threads {get_num_threads()}");
        Console.WriteLine($"{"envs",8} {"tensor steps/s",16} {"per cpu-s",14} {"scalar steps/s",16} {"per cpu-s",14}");
        foreach (var n in EnvCounts)
        {
            var (tensorRate, tensorCpuRate) = Tensor(layout, n);
            var (scalarRate, scalarCpuRate) = Scalar(layout, n);
            rows.Add(new EnvBenchRow("point_maze", n, tensorRate, scalarRate));
            Console.WriteLine($"{n,8} {tensorRate,16:N0} {tensorCpuRate,14:N0} {scalarRate,16:N0} {scalarCpuRate,14:N0}");
        }
        Console.WriteLine($"Ant big_maze, MuJoCo, {Environment.ProcessorCount} worker threads, {AntRounds} rounds of {MeasureFor.TotalSeconds:0} s, load average {BenchResults.LoadAverage()}");
        Console.WriteLine($"{"envs",8} {"median steps/s",16} {"min",10} {"max",10} {"per cpu-s",12}");
        foreach (var n in AntEnvCounts)
        {
            var row = Ant(layout, n);
            rows.Add(row);
            Console.WriteLine($"{n,8} {row.StepsPerS,16:N0} {row.StepsPerSMin,10:N0} {row.StepsPerSMax,10:N0} {row.StepsPerCpuS,12:N0}");
        }
        Console.WriteLine($"load average after: {BenchResults.LoadAverage()}");
        BenchResults.Write(Name, rows);
        return Task.FromResult(0);
    }

    private static (double PerSecond, double PerCpuSecond) Tensor(MazeLayout layout, int numEnvs)
    {
        using var env = new PointMaze(layout, numEnvs, seed: 0);
        var generator = new Generator(0);
        var actions = Enumerable.Range(0, ActionSets).Select(_ => rand([numEnvs, 2], generator: generator).mul_(2).sub_(1)).ToArray();
        for (var t = 0; t < WarmupSteps; t++) StepOnce(env, actions[t % ActionSets]);
        var rates = Measure(numEnvs, steps => StepOnce(env, actions[steps % ActionSets]));
        foreach (var a in actions) a.Dispose();
        return rates;
    }

    private static AntBenchRow Ant(MazeLayout layout, int numEnvs)
    {
        using var env = new AntMaze(layout, numEnvs, seed: 0);
        var generator = new Generator(0);
        var actions = Enumerable.Range(0, ActionSets).Select(_ => rand([numEnvs, AntMaze.ActionSize], generator: generator).mul_(2).sub_(1)).ToArray();
        for (var t = 0; t < AntWarmupSteps; t++) StepOnce(env, actions[t % ActionSets]);
        var rounds = Enumerable.Range(0, AntRounds).Select(_ => Measure(numEnvs, steps => StepOnce(env, actions[steps % ActionSets]))).ToList();
        foreach (var a in actions) a.Dispose();
        var wall = rounds.Select(r => r.PerSecond).ToList();
        return new AntBenchRow("ant", numEnvs, BenchResults.Median(wall), wall.Min(), wall.Max(), BenchResults.Median(rounds.Select(r => r.PerCpuSecond)), AntRounds);
    }

    private static void StepOnce(IGoalEnv env, Tensor actions)
    {
        using var scope = NewDisposeScope();
        env.Step(actions);
    }

    private static (double PerSecond, double PerCpuSecond) Scalar(MazeLayout layout, int numEnvs)
    {
        var env = new ScalarPointMaze(layout, numEnvs, seed: 0);
        var random = new Random(0);
        var actions = Enumerable.Range(0, ActionSets).Select(_ => Enumerable.Range(0, numEnvs * 2).Select(_ => random.NextSingle() * 2 - 1).ToArray()).ToArray();
        for (var t = 0; t < WarmupSteps; t++) env.Step(actions[t % ActionSets]);
        return Measure(numEnvs, steps => env.Step(actions[steps % ActionSets]));
    }

    /// <summary>Runs batched steps for <see cref="MeasureFor"/>; env steps per wall second and per CPU second of this process.</summary>
    private static (double PerSecond, double PerCpuSecond) Measure(int numEnvs, Action<long> step)
    {
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long steps = 0;
        while (clock.Elapsed < MeasureFor) step(steps++);
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        return (steps * numEnvs / wall, steps * numEnvs / cpu);
    }

    private sealed record EnvBenchRow(string Env, int NumEnvs, double StepsPerS, double ScalarStepsPerS);

    /// <summary>An Ant row: the median of the rounds' wall-clock rates, their range, and the median per CPU-second.</summary>
    private sealed record AntBenchRow(string Env, int NumEnvs, double StepsPerS, double StepsPerSMin, double StepsPerSMax, double StepsPerCpuS, int Rounds);
}
