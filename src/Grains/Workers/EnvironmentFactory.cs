using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Learner.Envs;
using Device = TorchSharp.torch.Device;

namespace Fathom.Grains.Workers;

/// <summary>
/// The one place a spec's environment section becomes environments: PointMaze with envs.md's calibrated defaults,
/// or the MuJoCo AntMaze with the paper's. <c>device</c> is the resolved device (cpu, cuda:N) of the worker that
/// steps them: every env tensor lives there (the Ant's physics runs on CPU threads whatever the device).
/// </summary>
public static class EnvironmentFactory
{
    public const string PointMaze = "point_maze", AntMaze = "ant_maze";

    /// <summary>The environment kinds a spec may name.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [PointMaze, AntMaze];

    public static IMazeEnv Train(EnvironmentSpec spec, int numEnvs, long seed, string device = "cpu") =>
        Create(spec, spec.TrainLayout, numEnvs, seed, device);

    /// <summary>A fresh eval env with a fixed seed, so that every evaluation sees the same starts and goals.</summary>
    public static IMazeEnv Eval(EnvironmentSpec spec, int numEnvs, long seed, string device = "cpu") =>
        Create(spec, spec.EvalLayout, numEnvs, seed, device);

    /// <summary>The replay layout of the run's episodes, from the env's own sizes without building one (no tensors, so cheap in a grain turn or a client).</summary>
    public static EpisodeLayout Layout(EnvironmentSpec spec)
    {
        MazeLayout.From(spec.TrainLayout);
        if (spec.Kind == AntMaze)
        {
            AntSettings(spec).Validate();
            return new EpisodeLayout(Learner.Envs.AntMaze.StateSize, Learner.Envs.AntMaze.ActionSize, goalStart: 0, Learner.Envs.AntMaze.GoalSize);
        }
        var settings = PointSettings(spec);
        settings.Validate();
        return new EpisodeLayout(Learner.Envs.PointMaze.StateDimOf(settings), Learner.Envs.PointMaze.ActionSize, goalStart: 0, Learner.Envs.PointMaze.GoalSize);
    }

    /// <summary>The distance to the goal within which a step counts as success (and earns a TD learner its reward).</summary>
    public static double SuccessRadius(EnvironmentSpec spec) =>
        spec.Kind == AntMaze ? AntSettings(spec).SuccessRadius : PointSettings(spec).SuccessRadius;

    private static IMazeEnv Create(EnvironmentSpec spec, string layout, int numEnvs, long seed, string device) => spec.Kind switch
    {
        PointMaze => new Learner.Envs.PointMaze(MazeLayout.From(layout), numEnvs, seed, PointSettings(spec), new Device(device)),
        AntMaze => new Learner.Envs.AntMaze(MazeLayout.From(layout), numEnvs, seed, AntSettings(spec), new Device(device)),
        _ => throw new ArgumentException($"environment.kind '{spec.Kind}' is not one of {string.Join(", ", Kinds)}", nameof(spec)),
    };

    /// <summary>The cell size a spec of <paramref name="kind"/> gets when it leaves <c>cell_size</c> out, in the env's units.</summary>
    public static double DefaultCellSize(string kind) => kind == AntMaze ? new AntMazeSettings().CellSize : new PointMazeSettings().CellSize;

    private static PointMazeSettings PointSettings(EnvironmentSpec spec)
    {
        var settings = new PointMazeSettings { EpisodeLength = spec.EpisodeLength };
        return spec.CellSize is { } cell ? settings with { CellSize = (float)cell } : settings;
    }

    private static AntMazeSettings AntSettings(EnvironmentSpec spec)
    {
        var settings = new AntMazeSettings { EpisodeLength = spec.EpisodeLength };
        return spec.CellSize is { } cell ? settings with { CellSize = (float)cell } : settings;
    }
}
