using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Learner;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using Xunit.Abstractions;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>Device selection through a real cluster: refused at start where the device is missing, used where the silo has it.</summary>
[Collection(GarnetRunsCollection.Name)]
public sealed class DeviceClusterTests(GarnetFixture garnet, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Asking_for_cuda_on_a_silo_without_it_fails_the_start_naming_the_field_and_what_the_silo_has()
    {
        // The silo asks libtorch itself. With the CPU package there is no CUDA, so plain "cuda" is missing; a
        // machine with GPUs is asked for one past its last instead.
        var here = TorchDevices.Detect();
        var missing = here.CudaDeviceCount == 0 ? "cuda" : $"cuda:{here.CudaDeviceCount}";
        await using var cluster = await FathomTestCluster.StartAsync(1, $"127.0.0.1:{garnet.Server.Port}");
        var spec = TestSpecs.CollectorVsLearner(budget: 12_800);
        spec = spec with { Learners = [spec.Learners[0], spec.Learners[1] with { Device = missing }, spec.Learners[2]] };
        var experiment = cluster.Client.GetGrain<IExperimentGrain>($"nocuda-{Guid.NewGuid():N}"[..16]);

        var refused = await Assert.ThrowsAsync<RunRefusedException>(() => experiment.Start(spec));
        output.WriteLine(refused.Message);
        var silo = cluster.Silos.Single().SiloAddress.ToString();
        Assert.Equal($"learners[1].device: {missing} is not available on silo {silo} (available: {string.Join(", ", here.Available)})", refused.Message);

        // The run is over as Failed with that reason, and the workers that did start were stopped.
        var status = await WaitUntilOver(experiment);
        Assert.Equal(ExperimentState.Failed, status.State);
        Assert.Equal(refused.Message, status.Error);
        Assert.All(status.Collectors, c => Assert.NotEqual(ExperimentState.Running, c.State));
        // The learners that started took this silo's default, auto: the CPU without CUDA.
        Assert.All(status.Learners.Where(l => l.Name != "deep" && l.Device.Length > 0), l => Assert.Equal(here.Resolve("auto"), l.Device));
    }

    [Fact]
    public async Task With_two_gpus_reported_auto_takes_the_first_and_cuda_1_is_used_by_the_worker()
    {
        await using var cluster = await FathomTestCluster.StartAsync(1, $"127.0.0.1:{garnet.Server.Port}",
            services: s => s.AddSingleton(new TorchDevices(2)));
        var spec = TestSpecs.CollectorVsLearner(budget: 12_800);
        spec = spec with
        {
            Learners = [spec.Learners[0] with { Device = "cuda:1" }, spec.Learners[1], spec.Learners[2] with { Device = "cpu" }],
            Collectors = [spec.Collectors[0] with { Device = "cuda" }],
        };
        var experiment = cluster.Client.GetGrain<IExperimentGrain>($"twogpu-{Guid.NewGuid():N}"[..16]);

        await experiment.Start(spec); // accepted: the silo reports cuda:0 and cuda:1

        var clock = Stopwatch.StartNew();
        ExperimentStatus status;
        while (true)
        {
            status = await experiment.GetStatus();
            if (status.Learners.All(l => l.Device.Length > 0) && status.Collectors.Length == 2 && status.Collectors.All(c => c.Device.Length > 0)) break;
            Assert.True(clock.Elapsed < Timeout, "workers did not report their devices");
            await Task.Delay(200);
        }
        foreach (var l in status.Learners) output.WriteLine($"{l.Name}: {l.Device} {l.State} {l.Error}");
        foreach (var c in status.Collectors) output.WriteLine($"collector {c.Index}: {c.Device} {c.State} {c.Error}");
        Assert.Equal(["cuda:1", "cuda:0", "cpu"], status.Learners.Select(l => l.Device).ToArray()); // asked, auto (the silo default), asked
        Assert.All(status.Collectors, c => Assert.Equal("cuda:0", c.Device));
        if (!torch.cuda.is_available())
        {
            // This libtorch has no CUDA: the workers' first tensors, asked for on their GPU, are refused by TorchSharp.
            var collector = await WaitForError(experiment, s => s.Collectors[0].Error);
            Assert.Contains("device type CUDA", collector);
            // Train only forwards to Create; once hot, the JIT inlines or tail-calls it and its frame leaves the stack.
            Assert.Contains("EnvironmentFactory.", collector);
            var learner = await WaitForError(experiment, s => s.Learners[0].Error);
            Assert.Contains("device type CUDA", learner);
            Assert.Contains("CrlAgent..ctor", learner);
        }
        await experiment.Stop();
        await WaitUntilOver(experiment);
    }

    private static async Task<string> WaitForError(IExperimentGrain experiment, Func<ExperimentStatus, string?> error)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Timeout)
        {
            if (error(await experiment.GetStatus()) is { } text) return text;
            await Task.Delay(100);
        }
        throw new TimeoutException("no worker error was reported");
    }

    private static async Task<ExperimentStatus> WaitUntilOver(IExperimentGrain experiment)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Timeout)
        {
            var status = await experiment.GetStatus();
            if (status.IsOver) return status;
            await Task.Delay(250);
        }
        throw new TimeoutException($"run did not end within {Timeout}");
    }
}
