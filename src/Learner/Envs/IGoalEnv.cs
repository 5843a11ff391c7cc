using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Envs;

/// <summary>
/// A batch of N goal-conditioned environments stepped together as tensor operations on one device.
/// Episodes have a fixed length (truncation at <see cref="EpisodeLength"/>); a finished env is reset inside
/// <see cref="Step"/>, and the step result still carries its final state s_T. The actor observes
/// concat(state, goal); success compares the goal slice [GoalStart, GoalStart + GoalDim) of the state with the goal.
/// Tensors handed out belong to the caller (dispose them, or let a dispose scope do it).
/// </summary>
public interface IGoalEnv : IDisposable
{
    int NumEnvs { get; }
    int StateDim { get; }
    /// <summary>Actions are in [-1, 1]; larger values are clamped, NaN counts as 0.</summary>
    int ActionDim { get; }
    int GoalDim { get; }
    /// <summary>First index of the slice of the state that is compared with the goal.</summary>
    int GoalStart { get; }
    float SuccessRadius { get; }
    int EpisodeLength { get; }
    Device Device { get; }

    /// <summary>Current states [N, StateDim] (after any auto reset).</summary>
    Tensor States { get; }

    /// <summary>Current goals [N, GoalDim] (after any auto reset).</summary>
    Tensor Goals { get; }

    /// <summary>Starts a new episode in the envs where <paramref name="mask"/> (bool [N]) is true; all envs if null.</summary>
    void Reset(Tensor? mask = null);

    /// <summary>Applies actions [N, ActionDim] to every env; auto-resets the envs whose episode ended.</summary>
    EnvStep Step(Tensor actions);
}

/// <summary>
/// One batched step. <paramref name="NextStates"/> [N, S] is s_{t+1} before any auto reset (for a finished env,
/// its final state s_T); <paramref name="Goals"/> [N, G] the goals that applied to this step;
/// <paramref name="Success"/> bool [N]: goal slice of s_{t+1} within the success radius;
/// <paramref name="Done"/> bool [N]: the episode ended with this step and the env has been reset.
/// </summary>
public sealed record EnvStep(Tensor NextStates, Tensor Goals, Tensor Success, Tensor Done) : IDisposable
{
    public void Dispose()
    {
        NextStates.Dispose();
        Goals.Dispose();
        Success.Dispose();
        Done.Dispose();
    }
}
