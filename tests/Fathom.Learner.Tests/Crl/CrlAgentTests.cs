using Fathom.Learner.Crl;
using Fathom.Learner.Nets;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Crl;

public class CrlAgentTests
{
    /// <summary>Small networks so the whole suite stays fast on two cores.</summary>
    internal static CrlConfig Small(long seed = 1) => new()
    {
        StateDim = SyntheticTrajectories.StateDim,
        ActionDim = SyntheticTrajectories.ActionDim,
        GoalDim = SyntheticTrajectories.GoalDim,
        ActorDepth = 4,
        ActorWidth = 32,
        CriticDepth = 4,
        CriticWidth = 32,
        ReprDim = 16,
        Seed = seed,
    };

    private static Tensor[] Snapshot(CrlAgent agent) =>
        agent.TrainedParts.SelectMany(p => new[] { p.Parameters.Values.clone(), p.Optimizer.FirstMoment.clone(), p.Optimizer.SecondMoment.clone() }).ToArray();

    [Theory]
    [InlineData(nameof(CrlConfig.CriticDepth))]
    [InlineData(nameof(CrlConfig.ActorDepth))]
    public void DepthNotAMultipleOfFourIsRejectedNamingTheSetting(string field)
    {
        var config = field == nameof(CrlConfig.CriticDepth) ? Small() with { CriticDepth = 10 } : Small() with { ActorDepth = 3 };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CrlAgent(config));
        Assert.Equal(field, error.ParamName);
        Assert.Contains("multiple of 4", error.Message);
    }

    [Fact]
    public void DefaultsAreThePapersValues()
    {
        var paper = CrlConfig.Defaults;
        Assert.Equal((0.99, CrlEnergy.NegativeL2, CrlLoss.ForwardInfoNce, 0.1, 64, -0.5),
            (paper.Gamma, paper.Energy, paper.Loss, paper.LogSumExpPenalty, paper.ReprDim, paper.TargetEntropyPerActionDim));
        Assert.Equal((4, 256, 4, 256, 3e-4), (paper.ActorDepth, paper.ActorWidth, paper.CriticDepth, paper.CriticWidth, paper.LearningRate));
        Assert.Equal(Small() with { StateDim = 0, ActionDim = 0, GoalDim = 0, ActorWidth = 256, CriticWidth = 256, ReprDim = 64 }, paper);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0001)]
    [InlineData(double.NaN)]
    public void GammaOutsideZeroToOneIsRejectedNamingTheSetting(double gamma)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => (Small() with { Gamma = gamma }).Validate());
        Assert.Equal(nameof(CrlConfig.Gamma), error.ParamName);
        Assert.Contains("(0, 1]", error.Message);
        Assert.Equal(1.0, (Small() with { Gamma = 1.0 }).Validate().Gamma);
    }

    [Fact]
    public void ActorAndCriticHaveTheirOwnDepthAndWidth()
    {
        using var agent = new CrlAgent(Small() with { ActorDepth = 8, ActorWidth = 24, CriticDepth = 12, CriticWidth = 40 });
        Assert.Equal(new MlpShape(4, 4, 8, 24), agent.Actor.Network.Shape);
        Assert.Equal(new MlpShape(4, 16, 12, 40), agent.StateActionEncoder.Shape);
        Assert.Equal(new MlpShape(2, 16, 12, 40), agent.GoalEncoder.Shape);
    }

    [Fact]
    public void LearnsOnSyntheticTrajectories()
    {
        var data = new SyntheticTrajectories(episodes: 200, length: 50, gamma: 0.9, seed: 4);
        using var agent = new CrlAgent(Small());
        const int batch = 64;
        var accuracies = new List<float>();
        for (int i = 0; i < 400; i++)
        {
            using var scope = NewDisposeScope();
            var (s, a, g) = data.Batch(batch);
            accuracies.Add(agent.Update(s, a, g).CategoricalAccuracy);
        }
        float early = accuracies.Take(10).Average();
        float late = accuracies.TakeLast(20).Average();
        Assert.True(late > 15.0 / batch, $"categorical accuracy {late:F3} after 400 updates (chance {1.0 / batch:F3}, first updates {early:F3})");
        Assert.True(late > 2 * early);
        Assert.Equal(400, agent.UpdateCount);
    }

    [Theory]
    [InlineData(5.0)]
    [InlineData(-5.0)]
    public void AlphaMovesTowardTheTargetEntropy(double targetPerDim)
    {
        var data = new SyntheticTrajectories(episodes: 20, length: 20, gamma: 0.9, seed: 5);
        using var agent = new CrlAgent(Small() with { TargetEntropyPerActionDim = targetPerDim });
        CrlMetrics? last = null;
        for (int i = 0; i < 30; i++)
        {
            using var scope = NewDisposeScope();
            var (s, a, g) = data.Batch(32);
            last = agent.Update(s, a, g);
            // While the policy is on one side of the target, log-alpha goes the other way.
            Assert.Equal(targetPerDim > 0, last.Entropy < agent.Config.TargetEntropy);
        }
        // A tanh-squashed policy cannot exceed log 2 per dimension, so +5 is above it and -5 below.
        if (targetPerDim > 0) Assert.True(agent.Alpha > 1.005, $"alpha {agent.Alpha}");
        else Assert.True(agent.Alpha < 0.995, $"alpha {agent.Alpha}");
    }

    [Fact]
    public void NonFiniteUpdateIsSkippedCountedAndLeavesEverythingUntouched()
    {
        var data = new SyntheticTrajectories(episodes: 20, length: 20, gamma: 0.9, seed: 6);
        using var agent = new CrlAgent(Small());
        using var scope = NewDisposeScope();
        var (s, a, g) = data.Batch(16);
        agent.Update(s, a, g);
        var before = Snapshot(agent);

        var poisoned = s.clone();
        poisoned[3, 1] = tensor(float.NaN);
        var metrics = agent.Update(poisoned, a, g);

        Assert.True(metrics.Skipped);
        Assert.Equal(1, metrics.SkippedUpdates);
        Assert.Equal(1, agent.SkippedUpdates);
        Assert.Equal(1, agent.UpdateCount);
        var after = Snapshot(agent);
        for (int i = 0; i < before.Length; i++) Assert.True(before[i].equal(after[i]).all().item<bool>(), $"buffer {i} changed");
        Assert.All(agent.TrainedParts, p => Assert.Equal(1, p.Optimizer.Steps));

        var next = agent.Update(s, a, g);
        Assert.False(next.Skipped);
        Assert.Equal(2, next.UpdateCount);
    }

    [Fact]
    public void SaveLoadAndContinueIsBitIdenticalToRunningStraightThrough()
    {
        var straightData = new SyntheticTrajectories(episodes: 20, length: 20, gamma: 0.9, seed: 7);
        var resumedData = new SyntheticTrajectories(episodes: 20, length: 20, gamma: 0.9, seed: 7);
        using var straight = new CrlAgent(Small(seed: 21));
        using var first = new CrlAgent(Small(seed: 21));
        for (int i = 0; i < 5; i++)
        {
            using var scope = NewDisposeScope();
            var (s, a, g) = straightData.Batch(16);
            straight.Update(s, a, g);
            (s, a, g) = resumedData.Batch(16);
            first.Update(s, a, g);
        }
        using var checkpoint = new MemoryStream();
        first.Save(checkpoint);
        checkpoint.Position = 0;
        using var resumed = new CrlAgent(Small(seed: 99));
        resumed.Load(checkpoint);
        Assert.Equal(5, resumed.UpdateCount);

        for (int i = 0; i < 5; i++)
        {
            using var scope = NewDisposeScope();
            var (s, a, g) = straightData.Batch(16);
            straight.Update(s, a, g);
            (s, a, g) = resumedData.Batch(16);
            resumed.Update(s, a, g);
        }
        var expected = Snapshot(straight);
        var actual = Snapshot(resumed);
        for (int i = 0; i < expected.Length; i++) Assert.True(expected[i].equal(actual[i]).all().item<bool>(), $"buffer {i} differs");
        using var probe = zeros(3, SyntheticTrajectories.StateDim);
        using var goals = ones(3, SyntheticTrajectories.GoalDim);
        Assert.True(straight.Act(probe, goals, deterministic: false).equal(resumed.Act(probe, goals, deterministic: false)).all().item<bool>());
    }

    [Fact]
    public void CheckpointOfDifferentNetworksIsRejected()
    {
        using var agent = new CrlAgent(Small());
        using var stream = new MemoryStream();
        agent.Save(stream);
        stream.Position = 0;
        using var other = new CrlAgent(Small() with { CriticDepth = 8 });
        var error = Assert.Throws<InvalidDataException>(() => other.Load(stream));
        Assert.Contains("differ", error.Message);
    }

    [Fact]
    public void ExportedActorActsLikeTheAgentAndRejectsAMalformedBlob()
    {
        var data = new SyntheticTrajectories(episodes: 20, length: 20, gamma: 0.9, seed: 8);
        using var agent = new CrlAgent(Small());
        using var scope = NewDisposeScope();
        var (s, a, g) = data.Batch(16);
        agent.Update(s, a, g);

        byte[] blob = agent.ExportActor();
        using var policy = CrlPolicy.Import(blob);
        Assert.Equal(1, policy.UpdateCount);
        Assert.Equal(SyntheticTrajectories.ActionDim, policy.ActionDim);
        Assert.True(policy.Act(s, g, deterministic: true).equal(agent.Act(s, g, deterministic: true)).all().item<bool>());
        var sampled = policy.Act(s, g, deterministic: false);
        Assert.Equal(new long[] { 16, 2 }, sampled.shape);
        Assert.True(sampled.abs().max().item<float>() <= 1);

        // Flipped bits are the store's checksum's to catch (ChunkedBlobs); the blob itself refuses a wrong format or size.
        var future = (byte[])blob.Clone();
        future[8] = 99;
        Assert.Contains("format 99", Assert.Throws<InvalidDataException>(() => CrlPolicy.Import(future)).Message);
        var foreign = (byte[])blob.Clone();
        foreign[0] = (byte)'X';
        Assert.Contains("not a Fathom actor blob", Assert.Throws<InvalidDataException>(() => CrlPolicy.Import(foreign)).Message);
        Assert.Contains("sizes disagree", Assert.Throws<InvalidDataException>(() => CrlPolicy.Import(blob[..^4])).Message);
        Assert.Contains("sizes disagree", Assert.Throws<InvalidDataException>(() => CrlPolicy.Import([.. blob, 0, 0, 0, 0])).Message);
        Assert.Contains("shorter than its header", Assert.Throws<InvalidDataException>(() => CrlPolicy.Import(blob[..30])).Message);
        var deeper = (byte[])blob.Clone();
        BitConverter.TryWriteBytes(deeper.AsSpan(8 + 4 + 8 + 8), ActorBlob.Open(blob).Header.Shape.Depth + 4); // the depth field
        Assert.Contains("sizes disagree", Assert.Throws<InvalidDataException>(() => CrlPolicy.Import(deeper)).Message);
        var garbled = (byte[])blob.Clone();
        BitConverter.TryWriteBytes(garbled.AsSpan(8 + 4 + 8 + 12), int.MaxValue); // the width field
        Assert.Contains("implausible", Assert.Throws<InvalidDataException>(() => CrlPolicy.Import(garbled)).Message);
    }

    [Fact]
    public void QIsTheEnergyOfEachRowsOwnPair()
    {
        var data = new SyntheticTrajectories(episodes: 20, length: 20, gamma: 0.9, seed: 9);
        using var agent = new CrlAgent(Small());
        using var scope = NewDisposeScope();
        var (s, a, g) = data.Batch(8);
        var q = agent.Q(s, a, g);
        Assert.Equal(new long[] { 8 }, q.shape);
        Assert.True(q.le(Scalars.Of(0L)).all().item<bool>());
        var phi = agent.StateActionEncoder.Forward(cat([s, a], 1));
        var psi = agent.GoalEncoder.Forward(g);
        var pairwise = Energies.Pairwise(CrlEnergy.NegativeL2, phi, psi, agent.Config.DistanceEpsilon);
        Assert.True(q.allclose(pairwise.diagonal(), rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void MisShapedBatchIsRejectedNamingTheArgument()
    {
        using var agent = new CrlAgent(Small());
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => agent.Update(zeros(4, 3), zeros(4, 2), zeros(4, 2)));
        Assert.Equal("states", error.ParamName);
    }

    [Fact]
    public void UpdateFromFloatArraysEqualsUpdateFromTensors()
    {
        var data = new SyntheticTrajectories(episodes: 20, length: 20, gamma: 0.9, seed: 10);
        using var fromTensors = new CrlAgent(Small());
        using var fromArrays = new CrlAgent(Small());
        for (int i = 0; i < 3; i++)
        {
            using var scope = NewDisposeScope();
            var (s, a, g) = data.Batch(16);
            var expected = fromTensors.Update(s, a, g);
            var actual = fromArrays.Update(s.data<float>().ToArray(), a.data<float>().ToArray(), g.data<float>().ToArray());
            Assert.Equal(expected, actual);
        }
        Assert.Throws<ArgumentException>(() => fromArrays.Update(new float[5], new float[4], new float[4]));
    }

    [Fact]
    public void AgentBuiltInsideACallersDisposeScopeOutlivesIt()
    {
        CrlAgent agent;
        using (NewDisposeScope()) agent = new CrlAgent(Small());
        using (agent)
        {
            var data = new SyntheticTrajectories(episodes: 5, length: 10, gamma: 0.9, seed: 11);
            using var scope = NewDisposeScope();
            var (s, a, g) = data.Batch(8);
            Assert.False(agent.Update(s, a, g).Skipped);
            Assert.Equal(new long[] { 8, 2 }, agent.Act(s, g, deterministic: false).shape);
        }
    }

    /// <summary>
    /// An agent made on a thread with two torch threads runs its critic and actor passes side by side; one made with a
    /// single thread runs them in turn. Both must train the same networks to float rounding.
    /// </summary>
    [Fact]
    public void SideBySidePassesUpdateLikeOneThreadAfterTheOther()
    {
        int before = get_num_threads();
        CrlAgent sequential, sideBySide;
        set_num_threads(1);
        sequential = new CrlAgent(Small(seed: 5));
        set_num_threads(2);
        sideBySide = new CrlAgent(Small(seed: 5));
        set_num_threads(before);
        using (sequential)
        using (sideBySide)
        {
            var data = new SyntheticTrajectories(episodes: 20, length: 20, gamma: 0.9, seed: 12);
            for (int i = 0; i < 5; i++)
            {
                using var scope = NewDisposeScope();
                var (s, a, g) = data.Batch(16);
                var expected = sequential.Update(s, a, g);
                var actual = sideBySide.Update(s, a, g);
                Assert.Equal(expected.CriticLoss, actual.CriticLoss, 1e-4f);
                Assert.Equal(expected.ActorLoss, actual.ActorLoss, 1e-4f);
                Assert.Equal(expected.CategoricalAccuracy, actual.CategoricalAccuracy);
            }
            var expectedBuffers = Snapshot(sequential);
            var actualBuffers = Snapshot(sideBySide);
            for (int i = 0; i < expectedBuffers.Length; i++)
            {
                Assert.True(expectedBuffers[i].allclose(actualBuffers[i], rtol: 1e-4, atol: 1e-6), $"buffer {i} differs");
            }
        }
    }
}
