using Fathom.Learner.Envs;
using Fathom.Learner.Envs.Mujoco;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Envs;

/// <summary>The MuJoCo Ant maze: sizes, standing, determinism, walls, termination and batching.</summary>
public class AntMazeTests
{
    private static readonly MazeLayout UMaze = MazeLayout.BuiltIn("u_maze");

    [Fact]
    public void SizesAndStartAreAsDocumented()
    {
        using var env = new AntMaze(UMaze, 3, seed: 1);
        Assert.Equal((29, 8, 2, 0), (env.StateDim, env.ActionDim, env.GoalDim, env.GoalStart));
        Assert.Equal((0.5f, 1000), (env.SuccessRadius, env.EpisodeLength));
        using var states = env.States;
        using var goals = env.Goals;
        Assert.Equal([3L, 29L], states.shape);
        Assert.Equal([3L, 2L], goals.shape);
        // u_maze's one start cell is (row 1, col 1): its centre with 4 m cells is (6, 6).
        Assert.Equal(6f, states[0, 0].item<float>());
        Assert.Equal(6f, states[0, 1].item<float>());
        // Goals are centres of goal cells.
        var goalCentres = UMaze.Goals.Select(c => ((c.Col + 0.5f) * 4, (c.Row + 0.5f) * 4)).ToHashSet();
        for (var i = 0; i < 3; i++) Assert.Contains((goals[i, 0].item<float>(), goals[i, 1].item<float>()), goalCentres);
    }

    [Theory]
    [InlineData("u_maze")]
    [InlineData("hardest_maze")]
    public void TheModelHasTheAntsPartsAndOneBoxPerWallCell(string name)
    {
        var layout = MazeLayout.BuiltIn(name);
        using var model = MujocoModel.FromXml(AntMazeModel.Xml(layout, new AntMazeSettings()));
        var walls = Enumerable.Range(0, layout.Rows).Sum(r => Enumerable.Range(0, layout.Columns).Count(c => layout.IsWall(r, c)));
        // world + torso + 3 bodies per leg; floor + walls + torso sphere + 3 capsules per leg; free joint + 8 hinges.
        Assert.Equal((1 + 1 + 4 * 3, 1 + walls + 1 + 4 * 3, 9), (model.Nbody, model.Ngeom, model.Njnt));
        Assert.Equal((15, 14, 8), (model.Nq, model.Nv, model.Nu));
        Assert.Equal(0.01, model.Timestep, 6);
    }

    [Fact]
    public void TheGoalSliceIsTheTorsoPosition()
    {
        using var env = new AntMaze(UMaze, 1, seed: 2);
        using var actions = full(1, 8, 0.5f);
        using var step = env.Step(actions);
        var data = env.DataOf(0);
        data.Forward();
        var torso = data.BodyPosition(data.Model.BodyId(AntMazeModel.TorsoBody));
        Assert.Equal(torso.X, step.NextStates[0, 0].item<float>(), 4);
        Assert.Equal(torso.Y, step.NextStates[0, 1].item<float>(), 4);
        Assert.Equal(torso.Z, step.NextStates[0, 2].item<float>(), 4);
    }

    [Fact]
    public void ZeroActionsKeepTheAntUprightForOneSimulatedSecond()
    {
        var settings = new AntMazeSettings();
        using var env = new AntMaze(UMaze, 4, seed: 3, settings);
        using var zero = zeros(4, 8);
        var steps = (int)Math.Round(1.0 / settings.StepSeconds);
        for (var t = 0; t < steps; t++)
        {
            using var step = env.Step(zero);
            Assert.False(step.Done.any().item<bool>(), $"an episode ended at step {t}");
            for (var i = 0; i < 4; i++)
            {
                var z = step.NextStates[i, 2].item<float>();
                Assert.InRange(z, settings.HealthyZMin, settings.HealthyZMax);
                // Torso quaternion (w, x, y, z) at 3..6: the cosine of the torso's tilt from vertical is 1 - 2(x^2 + y^2)
                // for a unit quaternion. Upright: tilted less than 45 degrees, so not on its side or back.
                float qw = step.NextStates[i, 3].item<float>(), qx = step.NextStates[i, 4].item<float>(), qy = step.NextStates[i, 5].item<float>(), qz = step.NextStates[i, 6].item<float>();
                var cosTilt = 1 - 2 * (qx * qx + qy * qy) / (qw * qw + qx * qx + qy * qy + qz * qz);
                Assert.True(cosTilt > MathF.Cos(MathF.PI / 4), $"env {i} tilted at step {t}: cos(tilt) = {cosTilt}, height {z}");
            }
        }
        Assert.Equal(steps, env.EpisodeSteps[0]);
    }

    [Fact]
    public void TheSameSeedGivesTheSameTrajectoryAndAnotherSeedAnother()
    {
        var a = Rollout(seed: 5, numEnvs: 2, threads: 2, steps: 25);
        var b = Rollout(seed: 5, numEnvs: 2, threads: 2, steps: 25);
        var c = Rollout(seed: 6, numEnvs: 2, threads: 2, steps: 25);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void BatchSizeAndThreadCountDoNotChangeAnEnvsTrajectory()
    {
        // Short episodes, so resets (and their random draws) happen inside the rollout.
        var batched = Rollout(seed: 7, numEnvs: 4, threads: 2, steps: 30, episodeLength: 12);
        var oneThread = Rollout(seed: 7, numEnvs: 4, threads: 1, steps: 30, episodeLength: 12);
        var alone = Rollout(seed: 7, numEnvs: 1, threads: 1, steps: 30, episodeLength: 12);
        Assert.Equal(batched, oneThread);
        for (var t = 0; t < 30; t++) Assert.Equal(alone[t].Take(29), batched[t].Take(29));
    }

    [Fact]
    public void TheBatchedEnvEqualsSteppingEachInstanceAlone()
    {
        const int n = 3, steps = 15;
        var settings = new AntMazeSettings { Threads = 2 };
        using var env = new AntMaze(UMaze, n, seed: 8, settings);
        using var model = MujocoModel.FromXml(AntMazeModel.Xml(UMaze, settings));
        var alone = new MujocoData[n];
        for (var i = 0; i < n; i++)
        {
            // Start each lone instance exactly where the batched env reset env i.
            double[] qpos = new double[AntMazeModel.Nq], qvel = new double[AntMazeModel.Nv];
            env.DataOf(i).ReadQpos(qpos);
            env.DataOf(i).ReadQvel(qvel);
            alone[i] = model.MakeData();
            alone[i].Reset();
            alone[i].WriteQpos(qpos);
            alone[i].WriteQvel(qvel);
            alone[i].Forward();
        }
        var generator = new Generator(11);
        for (var t = 0; t < steps; t++)
        {
            using var actions = rand([n, 8], generator: generator).mul_(2.4).sub_(1.2);  // some beyond [-1, 1]: clamped
            using var step = env.Step(actions);
            var next = step.NextStates.data<float>().ToArray();
            var a = actions.data<float>().ToArray();
            for (var i = 0; i < n; i++)
            {
                alone[i].WriteCtrl(a.Skip(i * 8).Take(8).Select(v => (double)Math.Clamp(v, -1f, 1f)).ToArray());
                alone[i].Step(settings.FrameSkip);
                double[] qpos = new double[AntMazeModel.Nq], qvel = new double[AntMazeModel.Nv];
                alone[i].ReadQpos(qpos);
                alone[i].ReadQvel(qvel);
                Assert.Equal(qpos.Concat(qvel).Select(v => (float)v), next.Skip(i * 29).Take(29));
            }
        }
        foreach (var d in alone) d.Dispose();
    }

    [Fact]
    public void AWallStopsTheTorso()
    {
        // u_maze's start cell (row 1, col 1) spans x in [4, 8); the cell to its west is wall (x < 4), the two to its
        // east are free up to x = 16. Drive the torso at 5 m/s each way for 2 s by setting its velocity every step.
        var west = Push(velocityX: -5);
        var east = Push(velocityX: 5);
        Assert.True(west.Min() >= 4 + 0.25 - 0.05, $"the torso (radius 0.25) entered the wall at x = 4: min x = {west.Min()}");
        Assert.True(east.Max() > 10, $"the unobstructed push should carry the torso well past the cell, max x = {east.Max()}");
    }

    [Fact]
    public void LeavingTheHealthyBandEndsTheEpisodeOnlyWhenAsked()
    {
        foreach (var terminate in new[] { true, false })
        {
            using var env = new AntMaze(UMaze, 1, seed: 9, new AntMazeSettings { TerminateWhenUnhealthy = terminate });
            var data = env.DataOf(0);
            var qpos = new double[AntMazeModel.Nq];
            data.ReadQpos(qpos);
            qpos[2] = 1.6;  // thrown up above the 1.0 m band
            data.WriteQpos(qpos);
            using var zero = zeros(1, 8);
            using var step = env.Step(zero);
            Assert.True(step.NextStates[0, 2].item<float>() > 1.0f);
            Assert.Equal(terminate, step.Done[0].item<bool>());
            Assert.Equal(terminate ? 0 : 1, env.EpisodeSteps[0]);
        }
    }

    [Fact]
    public void BadSettingsNameTheField()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AntMaze(UMaze, 1, 0, new AntMazeSettings { HealthyZMax = 0.1f }));
        Assert.Contains("HealthyZMax", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AntMaze(UMaze, 0, 0));
        using var env = new AntMaze(UMaze, 2, 0);
        using var wrong = zeros(2, 2);
        Assert.Throws<ArgumentException>(() => env.Step(wrong));
    }

    /// <summary>Torso x over 2 s of simulated time with the torso's x velocity forced to <paramref name="velocityX"/> before every step.</summary>
    private static List<float> Push(double velocityX)
    {
        using var env = new AntMaze(UMaze, 1, seed: 4, new AntMazeSettings { TerminateWhenUnhealthy = false });
        var data = env.DataOf(0);
        var qvel = new double[AntMazeModel.Nv];
        using var zero = zeros(1, 8);
        var xs = new List<float>();
        for (var t = 0; t < 40; t++)
        {
            data.ReadQvel(qvel);
            qvel[0] = velocityX;
            data.WriteQvel(qvel);
            using var step = env.Step(zero);
            xs.Add(step.NextStates[0, 0].item<float>());
        }
        return xs;
    }

    /// <summary>Every step's next states and done flags, flattened, for comparing whole trajectories.</summary>
    private static List<float[]> Rollout(long seed, int numEnvs, int threads, int steps, int episodeLength = 1000)
    {
        using var env = new AntMaze(UMaze, numEnvs, seed, new AntMazeSettings { Threads = threads, EpisodeLength = episodeLength });
        var generator = new Generator((ulong)seed);
        var trajectory = new List<float[]>();
        for (var t = 0; t < steps; t++)
        {
            // Actions for env i depend only on (t, i), whatever the batch size.
            using var all = rand([4, 8], generator: generator).mul_(2).sub_(1);
            using var actions = all.narrow(0, 0, numEnvs).contiguous();
            using var step = env.Step(actions);
            using var states = env.States;
            trajectory.Add([.. step.NextStates.data<float>().ToArray(), .. step.Done.to(float32).data<float>().ToArray(), .. states.data<float>().ToArray()]);
        }
        return trajectory;
    }
}
