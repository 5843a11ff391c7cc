using Fathom.Silo;
using Microsoft.Extensions.Configuration;

namespace Fathom.Grains.Tests.Silo;

public sealed class SiloOptionsTests
{
    private static FathomSiloOptions Read(params (string Key, string Value)[] settings) =>
        FathomSiloOptions.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void Local_mode_needs_nothing()
    {
        var options = Read();
        Assert.Equal(SiloMode.Local, options.Mode);
        Assert.Equal((11111, 30000, 8080, 9464), (options.SiloPort, options.GatewayPort, options.HealthPort, options.PrometheusPort));
    }

    [Fact]
    public void The_device_defaults_to_auto_and_is_read_from_fathom_device()
    {
        Assert.Equal("auto", Read().Device);
        Assert.Equal("cuda:1", Read(("FATHOM_DEVICE", "cuda:1")).Device);
        Assert.Equal("cpu", Read(("FATHOM_DEVICE", " cpu ")).Device);
    }

    [Fact]
    public void Kubernetes_mode_takes_its_identity_from_the_pod()
    {
        var options = Read(("FATHOM_MODE", "kubernetes"), ("POD_NAME", "fathom-silo-2"), ("POD_IP", "10.1.2.3"),
            ("ORLEANS_SERVICE_ID", "svc"), ("ORLEANS_CLUSTER_ID", "blue"), ("FATHOM_MEMBERSHIP_REDIS", "membership:6379"),
            ("FATHOM_REPLAY_ENDPOINTS", "replay-0:6379, replay-1:6379"), ("FATHOM_PROMETHEUS_PORT", "0"));
        Assert.Equal(SiloMode.Kubernetes, options.Mode);
        Assert.Equal(("fathom-silo-2", "10.1.2.3", "svc", "blue"), (options.SiloName, options.AdvertisedIp, options.ServiceId, options.ClusterId));
        Assert.Equal(["replay-0:6379", "replay-1:6379"], options.ReplayEndpoints);
        Assert.Equal(0, options.PrometheusPort);
        Assert.Equal("10.1.2.3", options.PrometheusHost);
    }

    [Theory]
    [InlineData("FATHOM_MODE", "cloud", "local, redis, kubernetes")]
    [InlineData("FATHOM_PROMETHEUS_PORT", "70000", "[0, 65535]")]
    [InlineData("FATHOM_TORCH_THREADS", "0", "positive integer")]
    [InlineData("FATHOM_REPLAY_CLUSTER", "perhaps", "true or false")]
    [InlineData("FATHOM_LOCAL_STORE_MEMORY", "lots", "such as 512m or 2g")]
    [InlineData("FATHOM_LOCAL_STORE_MEMORY", "16m", "from 64m up")]
    [InlineData("FATHOM_DEVICE", "gpu", "auto, cpu, cuda or cuda:N")]
    [InlineData("FATHOM_DEVICE", "cuda:-1", "auto, cpu, cuda or cuda:N")]
    public void A_bad_setting_is_named_with_its_allowed_values(string key, string value, string allowed)
    {
        var error = Assert.Throws<ArgumentException>(() => Read((key, value)));
        Assert.Equal(key, error.ParamName);
        Assert.Contains(allowed, error.Message);
    }

    [Theory]
    [InlineData("redis", "FATHOM_MEMBERSHIP_REDIS")]
    [InlineData("kubernetes", "FATHOM_MEMBERSHIP_REDIS")]
    public void Cluster_modes_refuse_to_start_without_membership(string mode, string missing)
    {
        var error = Assert.Throws<ArgumentException>(() => Read(("FATHOM_MODE", mode)));
        Assert.Equal(missing, error.ParamName);
    }

    [Fact]
    public void Kubernetes_mode_needs_the_pod_address()
    {
        var error = Assert.Throws<ArgumentException>(() => Read(("FATHOM_MODE", "kubernetes"), ("FATHOM_MEMBERSHIP_REDIS", "m:6379"),
            ("FATHOM_REPLAY_ENDPOINTS", "r:6379"), ("POD_NAME", "p")));
        Assert.Equal("POD_IP", error.ParamName);
    }
}
