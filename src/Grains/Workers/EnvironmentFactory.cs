using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Learner.Envs;
using Device = TorchSharp.torch.Device;

namespace Fathom.Grains.Workers;

/// <summary>
/// The one place a spec's environment section becomes environments (PointMaze with envs.md's calibrated defaults).
/// <c>device</c> is the resolved device (cpu, cuda:N) of the worker that steps them: every env tensor lives there.
/// </summary>
public static class EnvironmentFactory
{
    public static PointMaze Train(EnvironmentSpec spec, int numEnvs, long seed, string device = "cpu") =>
        new(MazeLayout.FromNameOrFile(spec.TrainLayout), numEnvs, seed, Settings(spec), new Device(device));

    /// <summary>A fresh eval env with a fixed seed, so that every evaluation sees the same starts and goals.</summary>
    public static PointMaze Eval(EnvironmentSpec spec, int numEnvs, long seed, string device = "cpu") =>
        new(MazeLayout.FromNameOrFile(spec.EvalLayout), numEnvs, seed, Settings(spec), new Device(device));

    /// <summary>The replay layout of the run's episodes, read from a one-env instance so it always matches the env.</summary>
    public static EpisodeLayout Layout(EnvironmentSpec spec)
    {
        using var env = Train(spec, 1, 0);
        return new EpisodeLayout(env.StateDim, env.ActionDim, env.GoalStart, env.GoalDim);
    }

    private static PointMazeSettings Settings(EnvironmentSpec spec) => new() { EpisodeLength = spec.EpisodeLength };
}
