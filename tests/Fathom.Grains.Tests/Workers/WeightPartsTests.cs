using Fathom.Grains.Stores;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Grains.Workers;
using StackExchange.Redis;
using TorchSharp;

namespace Fathom.Grains.Tests.Workers;

/// <summary>
/// The parts that move a learner's state through the state store, against a real redis-server: the publisher and the
/// collectors' variable client (actor weights by version), and the checkpointer.
/// </summary>
public sealed class WeightPartsTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly string _run = $"parts-{Guid.NewGuid():N}"[..16];
    private readonly IConnectionMultiplexer _redis = redis.Redis;

    private WeightStore Weights => new(_redis.GetDatabase(), Timeout);

    [Fact]
    public async Task The_publisher_publishes_at_most_once_a_period_and_a_restarted_one_goes_on_from_the_newest_version()
    {
        using var agent = WorkerParts.Agent();
        var publisher = new Publisher(Weights, _run, "behaviour", TimeSpan.FromMilliseconds(300), default);
        Assert.True(publisher.PublishIfDue(agent, default));
        Assert.Equal(1, publisher.Version);
        Assert.False(publisher.PublishIfDue(agent, default));
        await Task.Delay(350);
        Assert.True(publisher.PublishIfDue(agent, default));
        Assert.Equal(2, publisher.Version);

        var restarted = new Publisher(Weights, _run, "behaviour", TimeSpan.FromSeconds(1), default);
        restarted.Publish(agent, default);
        Assert.Equal(3, restarted.Version);
        Assert.Equal(3, await Weights.LatestVersion(_run, "behaviour", default));
    }

    [Fact]
    public void The_variable_client_takes_only_newer_versions_and_acts_as_the_published_actor()
    {
        using var agent = WorkerParts.Agent();
        using var client = new VariableClient(Weights, _run, "behaviour", seed: 5, "cpu");
        Assert.False(client.Update(default));
        Assert.Null(client.Policy);
        Assert.Equal(0, client.Version);

        var publisher = new Publisher(Weights, _run, "behaviour", TimeSpan.Zero, default);
        publisher.Publish(agent, default);
        Assert.True(client.Update(default));
        Assert.Equal(1, client.Version);
        Assert.False(client.Update(default));

        WorkerParts.Train(agent);
        publisher.Publish(agent, default);
        publisher.Publish(agent, default);
        Assert.Equal(3, client.Latest(default));
        Assert.True(client.Update(default));
        Assert.Equal(3, client.Version); // straight to the newest
        using var scope = torch.NewDisposeScope();
        var states = torch.rand(8, WorkerParts.Layout.StateDim);
        var goals = torch.rand(8, WorkerParts.Layout.GoalDim);
        Assert.True(client.Policy!.Act(states, goals, deterministic: true).allclose(agent.Act(states, goals, deterministic: true)));
    }

    [Fact]
    public void The_checkpointer_restores_the_whole_learner_where_it_left_off()
    {
        var checkpointer = new Checkpointer(new CheckpointStore(_redis.GetDatabase(), Timeout), _run, "deep");
        using var fresh = WorkerParts.Agent(seed: 2);
        Assert.False(checkpointer.Restore(fresh, default));
        Assert.Equal(0, fresh.UpdateCount);

        using var trained = WorkerParts.Agent(seed: 1);
        WorkerParts.Train(trained, 1);
        WorkerParts.Train(trained, 2);
        checkpointer.Save(trained, default);
        Assert.True(checkpointer.Restore(fresh, default));
        Assert.Equal(2, fresh.UpdateCount);
        Assert.Equal(trained.ExportActor(), fresh.ExportActor());
    }
}
