namespace Fathom.Learner.Envs;

/// <summary>How the point moves: the action is a displacement (default) or an acceleration with damping.</summary>
public enum PointMazeDynamics
{
    Kinematic,
    Inertial,
}

/// <summary>
/// PointMaze settings. The defaults are the values measured with an independent PyTorch prototype of CRL on a
/// 2-core machine (docs envs.md): with cell 1, step 0.5, radius 0.5, noise 0.1 and 100-step episodes a depth-4
/// CRL learner beats the random policy on u_maze_eval within 1-2 minutes (time at goal 40-60 vs 1.7), while
/// u4_maze stays at one goal of four after 20+ minutes: the U maze is learnable on a laptop CPU and the long
/// mazes are genuinely hard. Why each value:
/// the step of half a cell makes the longest built-in start-to-goal path (u5_maze, 12.4 cells of geodesic; 11.2 in
/// hardest_maze) take about 25-30 steps, so the scripted oracle still spends 78-96 of 100 steps at the goal while a
/// random policy scores 0-6 (docs/environments.md): time at goal separates good from bad policies on every layout,
/// and the far goals are out of a random walk's reach (u5_maze_eval: never), which is what makes them hard to
/// learn. The radius equals the step so the point cannot jump over the success disc; start and goal noise of a
/// tenth of a cell keeps each episode's endpoints distinct without ever leaving the cell. With these values the
/// random policy on u_maze_eval scores time at goal 1.73 and success-any 0.21, the prototype's 1.7 and 0.21,
/// so this env matches the one the figures were measured on. A smaller step (0.25, radius 0.3) makes U maze take
/// ~8 minutes (plateau on the nearest goal first), useful as a harder variant.
/// </summary>
public sealed record PointMazeSettings
{
    /// <summary>Side of one square cell in world units.</summary>
    public float CellSize { get; init; } = 1f;
    /// <summary>Kinematic: largest displacement per axis per step (action 1). Inertial: top speed per axis.</summary>
    public float StepSize { get; init; } = 0.5f;
    /// <summary>Success when the distance to the goal is below this (world units); keep it >= StepSize.</summary>
    public float SuccessRadius { get; init; } = 0.5f;
    /// <summary>Start position = start cell centre + uniform noise of this fraction of a cell per axis.</summary>
    public float StartNoise { get; init; } = 0.1f;
    /// <summary>Goal = goal cell centre + uniform noise of this fraction of a cell per axis.</summary>
    public float GoalNoise { get; init; } = 0.1f;
    /// <summary>Steps per episode (fixed; the env resets itself after the last one).</summary>
    public int EpisodeLength { get; init; } = 100;
    public PointMazeDynamics Dynamics { get; init; } = PointMazeDynamics.Kinematic;
    /// <summary>Inertial only: fraction of the velocity kept from one step to the next.</summary>
    public float Damping { get; init; } = 0.8f;
    /// <summary>Inertial only: velocity change per step at action 1 (world units per step).</summary>
    public float Acceleration { get; init; } = 0.2f;

    /// <summary>Throws an ArgumentException naming the first field outside its allowed range.</summary>
    public void Validate()
    {
        Require(CellSize > 0 && float.IsFinite(CellSize), nameof(CellSize), "must be > 0", CellSize);
        Require(StepSize > 0 && float.IsFinite(StepSize), nameof(StepSize), "must be > 0", StepSize);
        Require(SuccessRadius > 0 && float.IsFinite(SuccessRadius), nameof(SuccessRadius), "must be > 0", SuccessRadius);
        Require(StartNoise is >= 0 and < 0.5f, nameof(StartNoise), "must be in [0, 0.5) of a cell", StartNoise);
        Require(GoalNoise is >= 0 and < 0.5f, nameof(GoalNoise), "must be in [0, 0.5) of a cell", GoalNoise);
        Require(EpisodeLength > 0, nameof(EpisodeLength), "must be > 0", EpisodeLength);
        Require(Damping is >= 0 and < 1, nameof(Damping), "must be in [0, 1)", Damping);
        Require(Acceleration > 0 && float.IsFinite(Acceleration), nameof(Acceleration), "must be > 0", Acceleration);
    }

    private static void Require(bool ok, string field, string range, object value)
    {
        if (!ok) throw new ArgumentOutOfRangeException(field, value, $"PointMazeSettings.{field} {range}, got {value}");
    }
}
