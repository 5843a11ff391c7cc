using Fathom.Grains.Specs;
using Fathom.Grains.Tests.Replay;
using Fathom.Grains.Workers;
using Fathom.Learner.Crl;
using Fathom.Learner.Td;
using Fathom.Replay;

namespace Fathom.Grains.Tests.Workers;

/// <summary>The algorithm field from spec to agent: crl, sac and td3 learners side by side, driven by the same loop.</summary>
public sealed class AlgorithmWiringTests
{
    private const string Spec = """
        environment: { train_layout: u_maze, eval_layout: u_maze_eval, episode_length: 20 }
        budget: { env_steps: 1000 }
        collectors: [ { behaviour: crl } ]
        learners:
          - { name: crl, role: behaviour, actor: { depth: 4, width: 16 }, critic: { depth: 4, width: 16 }, batch: 32 }
          - { name: sac, algorithm: sac, final_goal_fraction: 0.2, actor: { depth: 4, width: 16 }, critic: { depth: 8, width: 16 }, batch: 32 }
          - { name: td3, algorithm: TD3, actor: { depth: 4, width: 16 }, critic: { depth: 4, width: 16 }, batch: 32 }
        """;

    [Fact]
    public void The_algorithm_field_defaults_to_crl_and_names_each_learners_agent()
    {
        var spec = SpecLoader.ParseYaml(Spec);
        Assert.Equal([LearnerAlgorithm.Crl, LearnerAlgorithm.Sac, LearnerAlgorithm.Td3], spec.Learners.Select(l => l.Algorithm));
        Assert.Equal([0, 0.2, 0], spec.Learners.Select(l => l.FinalGoalFraction));
        var layout = EnvironmentFactory.Layout(spec.Environment);
        using var crl = AgentFactory.Create(spec.Learners[0], spec.Environment, layout, 1);
        using var sac = AgentFactory.Create(spec.Learners[1], spec.Environment, layout, 1);
        using var td3 = AgentFactory.Create(spec.Learners[2], spec.Environment, layout, 1);
        Assert.IsType<CrlAgent>(crl);
        var sacConfig = Assert.IsType<SacAgent>(sac).Config;
        Assert.IsType<Td3Agent>(td3);
        Assert.False(crl.UsesNextStates);
        Assert.True(sac.UsesNextStates && td3.UsesNextStates);
        // The TD agent has the spec's networks and the environment's goal slice and success radius.
        Assert.Equal((4, 16, 8, 16), (sacConfig.ActorDepth, sacConfig.ActorWidth, sacConfig.CriticDepth, sacConfig.CriticWidth));
        Assert.Equal((layout.GoalStart, 0.5), (sacConfig.GoalStart, sacConfig.SuccessRadius));
        Assert.Contains("algorithm", SpecWriter.Write(spec));
        Assert.Equal(spec.Learners, SpecLoader.ParseYaml(SpecWriter.Write(spec)).Learners);
    }

    [Fact]
    public void An_unknown_algorithm_or_fraction_is_refused_naming_the_field_and_what_is_allowed()
    {
        var error = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(Spec.Replace("algorithm: sac", "algorithm: ppo").Replace("final_goal_fraction: 0.2", "final_goal_fraction: 2")));
        Assert.Contains(error.Errors, e => e.StartsWith("learners[1].algorithm:") && e.Contains("crl, sac, td3") && e.Contains("ppo"));
        Assert.Contains(error.Errors, e => e.StartsWith("learners[1].final_goal_fraction:") && e.Contains("got 2"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_step_loop_trains_a_td_learner_from_next_states_of_the_shared_replay(int learner)
    {
        Fathom.Learner.TorchSetup.Configure(1);
        var spec = SpecLoader.ParseYaml(Spec);
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(100_000));
        for (int i = 0; i < 20; i++) await store.AppendAsync(TestEpisodes.Make(i, 10));
        using var agent = AgentFactory.Create(spec.Learners[learner], spec.Environment, TestEpisodes.Layout, seed: 3);
        var limiter = new SampleToInsertRatioLimiter(new RateLimiterSettings(2, 20, 100), store, 32, 10, "test", TimeSpan.FromMilliseconds(5));
        var sampling = new SamplerSettings(32) { Seed = 1, Timeout = TimeSpan.FromSeconds(5), NextStates = agent.UsesNextStates };
        await using var loop = new LearnerStepLoop(store, limiter, sampling, TimeSpan.FromSeconds(5), default);
        using var before = new MemoryStream();
        agent.Save(before);
        Assert.True(loop.Step(agent, default));
        Assert.True(loop.Step(agent, default));
        Assert.Equal(2, agent.UpdateCount);
        using var after = new MemoryStream();
        agent.Save(after);
        Assert.NotEqual(before.ToArray(), after.ToArray());
    }
}
