using Fathom.Grains.Workers;

namespace Fathom.Grains.Tests.Workers;

/// <summary>The learner's evaluator: fixed eval episodes, stamped points, and the topology probe.</summary>
public sealed class EvaluatorTests
{
    [Fact]
    public void An_evaluation_is_stamped_and_repeatable_and_the_probe_names_its_learner()
    {
        using var agent = WorkerParts.Agent();
        WorkerParts.Train(agent);
        var evaluator = new Evaluator(WorkerParts.Spec, DateTime.UtcNow.AddSeconds(-10), "cpu", default);
        var first = evaluator.Evaluate(agent, envSteps: 1234);
        var again = evaluator.Evaluate(agent, envSteps: 1234);
        Assert.Equal(1234, first.EnvSteps);
        Assert.Equal(1, first.Updates);
        Assert.True(first.Seconds >= 10, $"{first.Seconds} s since the run started");
        Assert.InRange(first.TimeAtGoalMean, 0, WorkerParts.Spec.Environment.EpisodeLength);
        Assert.InRange(first.SuccessAny, 0, 1);
        // The same starts and goals every time: the same deterministic policy scores the same.
        Assert.Equal((first.TimeAtGoalMean, first.SuccessAny, first.MeanFinalDistance), (again.TimeAtGoalMean, again.SuccessAny, again.MeanFinalDistance));

        var grid = evaluator.Probe(agent, "shallow");
        Assert.Equal("shallow", grid.Learner);
        Assert.Equal(1, grid.Updates);
        Assert.Equal(grid.Rows * grid.Cols, grid.Q.Length);
    }
}
