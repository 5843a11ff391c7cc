namespace Fathom.Learner.Envs;

/// <summary>
/// Ant maze settings; defaults follow the paper's Ant mazes as JaxGCRL implements them (envs/ant_maze.py and
/// envs/common.py there) and the Gymnasium Ant model they start from. Where each value comes from:
/// cell size 4 and wall height 2 (maze_size_scaling 4.0, maze_height 0.5 of a cell), success radius 0.5
/// (goal_dist), episode length 1,000, healthy torso height band [0.2, 1.0] with termination when it is left
/// (healthy_z_range, terminate_when_unhealthy), reset noise 0.1 (reset_noise_scale: joint positions uniform +-0.1,
/// velocities 0.1 x standard normal), and an env step of 5 physics steps of 0.01 s, 0.05 s of simulated time
/// (Gymnasium Ant-v4's timestep and frame_skip; JaxGCRL's MJX variant uses the same 0.05 s).
/// </summary>
public sealed record AntMazeSettings
{
    /// <summary>Side of one maze cell in metres (JaxGCRL maze_size_scaling).</summary>
    public float CellSize { get; init; } = 4f;
    /// <summary>Height of the wall boxes in metres (JaxGCRL maze_height 0.5 times the cell size).</summary>
    public float WallHeight { get; init; } = 2f;
    /// <summary>Success when the torso's x-y is closer than this to the goal (metres).</summary>
    public float SuccessRadius { get; init; } = 0.5f;
    /// <summary>Env steps per episode unless the Ant leaves its healthy band first.</summary>
    public int EpisodeLength { get; init; } = 1000;
    /// <summary>Physics steps per env step.</summary>
    public int FrameSkip { get; init; } = 5;
    /// <summary>Physics time step in seconds.</summary>
    public float Timestep { get; init; } = 0.01f;
    /// <summary>Scale of the start-state noise on joint positions (uniform) and velocities (normal).</summary>
    public float ResetNoise { get; init; } = 0.1f;
    /// <summary>The torso's healthy height band (metres): below it the Ant has collapsed, above it it has jumped.</summary>
    public float HealthyZMin { get; init; } = 0.2f;
    public float HealthyZMax { get; init; } = 1.0f;
    /// <summary>End the episode (done, auto reset) when the torso leaves the healthy band, as the paper's envs do.</summary>
    public bool TerminateWhenUnhealthy { get; init; } = true;
    /// <summary>Worker threads that step the envs; 0 means one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Time advanced by one env step, seconds.</summary>
    public float StepSeconds => Timestep * FrameSkip;

    /// <summary>Throws an ArgumentException naming the first field outside its allowed range.</summary>
    public void Validate()
    {
        Require(CellSize > 0 && float.IsFinite(CellSize), nameof(CellSize), "must be > 0", CellSize);
        Require(WallHeight > 0 && float.IsFinite(WallHeight), nameof(WallHeight), "must be > 0", WallHeight);
        Require(SuccessRadius > 0 && float.IsFinite(SuccessRadius), nameof(SuccessRadius), "must be > 0", SuccessRadius);
        Require(EpisodeLength > 0, nameof(EpisodeLength), "must be > 0", EpisodeLength);
        Require(FrameSkip > 0, nameof(FrameSkip), "must be > 0", FrameSkip);
        Require(Timestep is > 0 and <= 0.1f, nameof(Timestep), "must be in (0, 0.1] seconds", Timestep);
        Require(ResetNoise is >= 0 and <= 1, nameof(ResetNoise), "must be in [0, 1]", ResetNoise);
        Require(HealthyZMin >= 0 && float.IsFinite(HealthyZMin), nameof(HealthyZMin), "must be >= 0", HealthyZMin);
        Require(HealthyZMax > HealthyZMin && float.IsFinite(HealthyZMax), nameof(HealthyZMax), $"must be > HealthyZMin ({HealthyZMin})", HealthyZMax);
        Require(Threads >= 0, nameof(Threads), "must be >= 0 (0: one per core)", Threads);
    }

    private static void Require(bool ok, string field, string range, object value)
    {
        if (!ok) throw new ArgumentOutOfRangeException(field, value, $"AntMazeSettings.{field} {range}, got {value}");
    }
}
