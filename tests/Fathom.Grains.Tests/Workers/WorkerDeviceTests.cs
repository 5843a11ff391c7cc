using Fathom.Grains.Contracts;
using Fathom.Replay;
using Fathom.Grains.Stores;
using Fathom.Grains.Tests.Cluster;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Grains.Workers;
using Fathom.Learner;
using StackExchange.Redis;
using TorchSharp;

namespace Fathom.Grains.Tests.Workers;

/// <summary>How a worker's device is chosen at start, and that its workers create their tensors there.</summary>
public sealed class WorkerDeviceTests
{
    private static readonly WorkerSettings Auto = WorkerSettings.Default;

    [Fact]
    public void The_spec_field_wins_and_left_out_takes_the_silo_default()
    {
        var twoGpus = new TorchDevices(2);
        Assert.Equal("cuda:1", WorkerDevice.Resolve("cuda:1", "learners[0].device", Auto, twoGpus, "S1"));
        Assert.Equal("cuda:0", WorkerDevice.Resolve(null, "learners[0].device", Auto, twoGpus, "S1"));
        Assert.Equal("cpu", WorkerDevice.Resolve(null, "learners[0].device", Auto, new TorchDevices(0), "S1"));
        Assert.Equal("cpu", WorkerDevice.Resolve(null, "learners[0].device", Auto with { Device = "cpu" }, twoGpus, "S1"));
    }

    [Fact]
    public void A_missing_device_is_a_run_start_error_saying_where_the_request_came_from()
    {
        var asked = Assert.Throws<RunRefusedException>(() => WorkerDevice.Resolve("cuda", "collectors[2].device", Auto, new TorchDevices(0), "S9"));
        Assert.Equal("collectors[2].device: cuda is not available on silo S9 (available: cpu)", asked.Message);
        var byDefault = Assert.Throws<RunRefusedException>(() => WorkerDevice.Resolve(null, "learners[1].device", Auto with { Device = "cuda:3" }, new TorchDevices(2), "S9"));
        Assert.Equal("learners[1].device (left out, so the silo's FATHOM_DEVICE): cuda:3 is not available on silo S9 (available: cpu, cuda:0, cuda:1)", byDefault.Message);
    }

    [Fact]
    public async Task Workers_ask_for_their_tensors_on_their_device()
    {
        Fathom.Learner.TorchSetup.Configure(1);
        var timeout = TimeSpan.FromSeconds(1);
        using var server = LocalRedisServer.Start();
        var settings = new StoreSettings([server.EndPoint], false, server.EndPoint, null, timeout);
        await using var state = await ConnectionMultiplexer.ConnectAsync(settings.RedisOptions(server.EndPoint));
        var spec = TestSpecs.CollectorVsLearner(budget: 12_800);
        var run = $"device-{Guid.NewGuid():N}"[..16];
        var options = new ReplayStoreOptions(run, EnvironmentFactory.Layout(spec.Environment), spec.Replay.CapacityTransitions) { OperationTimeout = timeout };
        await using var store = await RedisReplayStore.ConnectShardsAsync(options, [settings.RedisOptions(server.EndPoint)]);
        var (weights, ledger) = (new WeightStore(state.GetDatabase(), timeout), new RateLimiterLedger(state.GetDatabase(), timeout));
        var learner = new LearnerWorker(new LearnerAssignment(run, spec.Learners[1].Name, spec, DateTime.UtcNow), store,
            weights, new CheckpointStore(state.GetDatabase(), timeout), ledger, "test", "cuda:1");
        var collector = new CollectorWorker(new CollectorAssignment(run, 1, spec, DateTime.UtcNow), store, weights, ledger, "test", "cuda:0");

        // What the learner builds its agent from (networks, optimizers, generator) names its device.
        Assert.Equal("cuda:1", learner.AgentConfig.Device);
        Assert.Equal(spec.Learners[1].Critic.Depth, learner.AgentConfig.CriticDepth);
        Assert.Equal("cuda:1", learner.Progress().Device);
        Assert.Equal("cuda:0", collector.Progress().Device);
        if (torch.cuda.is_available()) return; // with GPUs the workers would simply run there

        // This libtorch has no CUDA: the first tensor each worker asks for, on its GPU, is refused by TorchSharp.
        learner.Start();
        collector.Start();
        await Task.WhenAll(learner.Completion, collector.Completion).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("device type CUDA", learner.ErrorText);
        Assert.Contains("CrlAgent..ctor", learner.ErrorText);
        Assert.Contains("device type CUDA", collector.ErrorText);
        Assert.Contains("EnvironmentFactory.", collector.ErrorText); // Train or Create: a hot Train can leave the stack (inlined)
    }

    [Fact]
    public void The_factories_put_agent_and_envs_on_the_device_they_are_given()
    {
        var spec = TestSpecs.CollectorVsLearner(budget: 12_800);
        var layout = EnvironmentFactory.Layout(spec.Environment);
        Assert.Equal("cuda:1", AgentFactory.Config(spec.Learners[0], layout, 1, "cuda:1").Device);
        using var env = EnvironmentFactory.Eval(spec.Environment, 4, 1, "cpu");
        Assert.Equal(DeviceType.CPU, env.Device.type);
        Assert.Equal(DeviceType.CPU, env.States.device_type);
    }
}
