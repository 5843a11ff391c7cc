namespace Fathom.Deploy.Tests;

/// <summary>
/// Every manifest (deploy/k8s and the chart's renders) against the Kubernetes schemas (deploy/validate/validate.mjs,
/// kubernetes-models), yamllint over every YAML file we ship, and proof that both catch a broken file.
/// </summary>
public class ManifestValidationTests
{
    private static Tools.Result Validate(params string[] files) => Tools.Run("node", [Repo.Validator, .. files]);

    private static void AssertValid(Tools.Result result, int expectedObjects)
    {
        Assert.True(result.ExitCode == 0, $"schema validation failed:\n{result.Output}");
        Assert.Contains($"{expectedObjects} objects checked, 0 invalid", result.Stdout);
    }

    [ToolFact("node")]
    public void Deploy_k8s_manifests_match_the_Kubernetes_schemas()
    {
        var files = Repo.K8sManifests();
        var objects = files.Sum(f => Yaml.Documents(File.ReadAllText(f)).Count);
        Assert.True(objects >= 13, $"expected the full set of objects in deploy/k8s, found {objects}");
        AssertValid(Validate(files), objects);
    }

    [ToolFact("helm", "node")]
    public void Rendered_charts_match_the_Kubernetes_schemas()
    {
        foreach (var extra in new[] { Array.Empty<string>(), ["-f", Path.Combine(Repo.Fixtures, "values-scaled.yaml")] })
        {
            var render = Manifests.RenderOrFail(extra);
            AssertValid(Validate(Manifests.WriteTemp(render)), Yaml.Documents(render).Count);
        }
    }

    [ToolFact("node")]
    public void A_broken_manifest_is_caught()
    {
        var result = Validate(Path.Combine(Repo.Fixtures, "broken-deployment.yaml"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("invalid", result.Stdout);
        Assert.Contains("selector", result.Stdout);
        Assert.Contains("/spec/replicas must be integer", result.Stdout);
        Assert.Contains("containerPort must be integer", result.Stdout);
        Assert.Contains("port", result.Stdout[result.Stdout.IndexOf("httpGet", StringComparison.Ordinal)..]);
    }

    [ToolFact("node")]
    public void An_unknown_kind_is_caught()
    {
        var file = Manifests.WriteTemp("apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: typo\n");
        var result = Validate(file);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unknown type apps/v1 Deploymnet", result.Stdout);
    }

    private static Tools.Result Yamllint(params string[] paths) => Tools.Run("yamllint", ["-c", Repo.YamllintConfig, "-f", "parsable", "--strict", .. paths]);

    [ToolFact("yamllint", "helm")]
    public void Yamllint_passes_on_every_shipped_yaml_file_and_render()
    {
        var defaultRender = Manifests.WriteTemp(Manifests.RenderOrFail(), "default.yaml");
        var scaledRender = Manifests.WriteTemp(Manifests.RenderOrFail("-f", Path.Combine(Repo.Fixtures, "values-scaled.yaml")), "scaled.yaml");
        var result = Yamllint(
            Repo.K8s,
            Path.Combine(Repo.Chart, "Chart.yaml"),
            Path.Combine(Repo.Chart, "values.yaml"),
            Repo.Grafana,
            Path.Combine(Repo.Fixtures, "values-scaled.yaml"),
            defaultRender,
            scaledRender);
        Assert.True(result.ExitCode == 0, $"yamllint found problems:\n{result.Output}");
    }

    [ToolFact("yamllint")]
    public void Yamllint_catches_a_broken_yaml_file()
    {
        var result = Yamllint(Path.Combine(Repo.Fixtures, "broken-yaml.yaml"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("duplication of key \"key\"", result.Stdout);
    }

    [ToolFact("promtool")]
    public void Prometheus_example_configuration_is_valid()
    {
        var result = Tools.Run("promtool", ["check", "config", Path.Combine(Repo.Grafana, "prometheus.yml")]);
        Assert.True(result.ExitCode == 0, $"promtool check config failed:\n{result.Output}");
        Assert.Contains("SUCCESS", result.Output);
    }
}
