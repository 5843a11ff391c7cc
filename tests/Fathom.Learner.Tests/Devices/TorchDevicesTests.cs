using Fathom.Learner.Crl;
using TorchSharp;

namespace Fathom.Learner.Tests.Devices;

public sealed class TorchDevicesTests
{
    private static readonly TorchDevices NoGpu = new(0);
    private static readonly TorchDevices TwoGpus = new(2);

    [Fact]
    public void Auto_on_this_machine_picks_what_libtorch_reports()
    {
        var here = TorchDevices.Detect();
        Assert.Equal(torch.cuda.is_available() ? torch.cuda.device_count() : 0, here.CudaDeviceCount);
        // The CPU package (what this repository builds by default) has no CUDA: auto is the CPU.
        Assert.Equal(here.CudaDeviceCount > 0 ? "cuda:0" : "cpu", here.Resolve("auto"));
    }

    [Fact]
    public void Without_cuda_auto_and_cpu_are_the_cpu()
    {
        Assert.Equal("cpu", NoGpu.Resolve("auto"));
        Assert.Equal("cpu", NoGpu.Resolve("cpu"));
        Assert.Equal(["cpu"], NoGpu.Available);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    public void Cuda_without_cuda_is_refused_naming_the_field_the_host_and_what_is_available(string requested)
    {
        var error = Assert.Throws<DeviceUnavailableException>(() => NoGpu.Resolve(requested, "learners[0].device", "silo S1"));
        Assert.Equal($"learners[0].device: {requested} is not available on silo S1 (available: cpu)", error.Message);
    }

    [Fact]
    public void With_two_gpus_auto_is_the_first_and_each_gpu_can_be_asked_for()
    {
        Assert.Equal("cuda:0", TwoGpus.Resolve("auto"));
        Assert.Equal("cuda:0", TwoGpus.Resolve("cuda"));
        Assert.Equal("cuda:0", TwoGpus.Resolve("cuda:0"));
        Assert.Equal("cuda:1", TwoGpus.Resolve("cuda:1"));
        Assert.Equal("cpu", TwoGpus.Resolve("cpu"));
        Assert.Equal(["cpu", "cuda:0", "cuda:1"], TwoGpus.Available);
    }

    [Fact]
    public void A_gpu_past_the_last_is_refused_listing_the_gpus_there_are()
    {
        var error = Assert.Throws<DeviceUnavailableException>(() => TwoGpus.Resolve("cuda:2", "collectors[1].device", "silo S2"));
        Assert.Equal("collectors[1].device: cuda:2 is not available on silo S2 (available: cpu, cuda:0, cuda:1)", error.Message);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("cuda:")]
    [InlineData("CUDA")]
    [InlineData(" cpu")]
    [InlineData("")]
    public void A_misspelt_device_is_refused_naming_the_field_and_the_allowed_values(string requested)
    {
        Assert.False(TorchDevices.IsValid(requested));
        var error = Assert.Throws<ArgumentException>(() => TwoGpus.Resolve(requested, "learners[2].device"));
        Assert.Equal($"learners[2].device: must be one of auto, cpu, cuda or cuda:N (N = 0, 1, ...) (got '{requested}')", error.Message);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("cpu")]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    [InlineData("cuda:15")]
    public void The_four_spellings_are_valid(string device) => Assert.True(TorchDevices.IsValid(device));

    [Fact]
    public void An_agent_on_the_cpu_keeps_every_tensor_there_and_exports_cpu_data()
    {
        using var agent = new CrlAgent(new CrlConfig { StateDim = 2, ActionDim = 2, GoalDim = 2, ActorWidth = 8, CriticWidth = 8, Device = "cpu" });
        Assert.All(agent.TrainedParts, part =>
        {
            Assert.Equal(DeviceType.CPU, part.Parameters.Values.device_type);
            Assert.Equal(DeviceType.CPU, part.Optimizer.FirstMoment.device_type);
        });
        Assert.NotEmpty(agent.ExportActor());
    }

    [Fact]
    public void An_agent_asked_for_a_gpu_asks_libtorch_for_that_gpu()
    {
        var config = new CrlConfig { StateDim = 2, ActionDim = 2, GoalDim = 2, ActorWidth = 8, CriticWidth = 8, Device = "cuda:1" };
        if (torch.cuda.is_available() && torch.cuda.device_count() > 1)
        {
            using var agent = new CrlAgent(config);
            Assert.All(agent.TrainedParts, part => Assert.Equal("cuda:1", part.Parameters.Values.device.ToString()));
            return;
        }
        // A CPU build cannot make the tensors; that it tries, and says CUDA, shows where they were asked for.
        // TorchSharp refuses it with "Torch device type CUDA did not initialise on the current machine".
        var error = Assert.Throws<InvalidOperationException>(() => new CrlAgent(config).Dispose());
        Assert.Contains("device type CUDA", error.Message);
    }
}
