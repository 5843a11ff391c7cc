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
        new(MazeLayout.From(spec.TrainLayout), numEnvs, seed, Settings(spec), new Device(device));

    /// <summary>A fresh eval env with a fixed seed, so that every evaluation sees the same starts and goals.</summary>
    public static PointMaze Eval(EnvironmentSpec spec, int numEnvs, long seed, string device = "cpu") =>
        new(MazeLayout.From(spec.EvalLayout), numEnvs, seed, Settings(spec), new Device(device));

    /// <summary>The replay layout of the run's episodes, from the env's own sizes without building one (no tensors, so cheap in a grain turn or a client).</summary>
    public static EpisodeLayout Layout(EnvironmentSpec spec)
    {
        MazeLayout.From(spec.TrainLayout);
        var settings = Settings(spec);
        settings.Validate();
        return new EpisodeLayout(PointMaze.StateDimOf(settings), PointMaze.ActionSize, goalStart: 0, PointMaze.GoalSize);
    }

    private static PointMazeSettings Settings(EnvironmentSpec spec) => new() { EpisodeLength = spec.EpisodeLength };
}
