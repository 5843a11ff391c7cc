using System.Text.Json.Nodes;

namespace Fathom.Deploy.Tests;

/// <summary>The chart, rendered by the real helm binary: lint, default and non-default values, schema, Orleans-on-Kubernetes rules.</summary>
public class HelmChartTests
{
    private static readonly string ScaledValues = Path.Combine(Repo.Fixtures, "values-scaled.yaml");

    [ToolFact("helm")]
    public void Lint_passes_with_default_and_scaled_values()
    {
        foreach (var extra in new[] { Array.Empty<string>(), ["-f", ScaledValues] })
        {
            var result = Tools.Run("helm", ["lint", "--strict", Repo.Chart, .. extra]);
            Assert.True(result.ExitCode == 0, $"helm lint {string.Join(' ', extra)} failed:\n{result.Output}");
            Assert.Contains("0 chart(s) failed", result.Output);
        }
    }

    [ToolFact("helm")]
    public void Default_render_matches_deploy_k8s_in_substance()
    {
        var rendered = Yaml.Documents(Manifests.RenderOrFail()).ToDictionary(Manifests.Key, o => o.ToJsonString());
        var committed = Repo.K8sManifests().SelectMany(f => Yaml.Documents(File.ReadAllText(f))).ToList();

        // deploy/k8s is the default render plus the Namespace object (helm install --create-namespace makes it).
        var namespaces = committed.Where(o => (string?)o["kind"] == "Namespace").ToList();
        Assert.Equal(Manifests.Namespace, (string?)Assert.Single(namespaces)["metadata"]!["name"]);
        var plain = committed.Where(o => (string?)o["kind"] != "Namespace").ToDictionary(Manifests.Key, o => o.ToJsonString());

        Assert.Equal(rendered.Keys.Order(), plain.Keys.Order());
        foreach (var (key, json) in rendered)
        {
            Assert.True(json == plain[key], $"{key} differs between the chart's default render and deploy/k8s: run deploy/k8s/generate.sh");
        }
    }

    [ToolFact("helm")]
    public void Kustomization_lists_every_manifest_of_deploy_k8s()
    {
        var kustomization = Yaml.Documents(File.ReadAllText(Path.Combine(Repo.K8s, "kustomization.yaml"))).Single();
        var listed = kustomization["resources"]!.AsArray().Select(r => (string)r!).Order();
        Assert.Equal(Repo.K8sManifests().Select(Path.GetFileName).Order(), listed);
    }

    [ToolFact("helm")]
    public void Silos_follow_the_Orleans_on_Kubernetes_rules()
    {
        var objects = Yaml.Documents(Manifests.RenderOrFail());
        foreach (var role in new[] { "collector", "learner" })
        {
            var deployment = Manifests.Single(objects, "Deployment", $"{Manifests.Release}-{role}");
            var spec = deployment["spec"]!;
            var pod = spec["template"]!["spec"]!;
            var container = pod["containers"]![0]!;

            Assert.Equal("0", (string?)spec["strategy"]!["rollingUpdate"]!["maxUnavailable"]);
            Assert.True(int.Parse((string)pod["terminationGracePeriodSeconds"]!) > 120, "grace period must exceed the host's 120 s shutdown timeout");
            Assert.Equal("true", (string?)pod["securityContext"]!["runAsNonRoot"]);

            var env = Manifests.Env(deployment.AsObject());
            Assert.Equal("metadata.name", (string?)env["POD_NAME"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
            Assert.Equal("status.podIP", (string?)env["POD_IP"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
            Assert.Equal("metadata.namespace", (string?)env["POD_NAMESPACE"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
            Assert.Equal("kubernetes", (string?)env["FATHOM_MODE"]["value"]);
            Assert.Equal(role, (string?)env["FATHOM_ROLE"]["value"]);
            Assert.Equal("fathom", (string?)env["ORLEANS_SERVICE_ID"]["value"]);
            Assert.Equal("fathom", (string?)env["ORLEANS_CLUSTER_ID"]["value"]);
            Assert.Equal("fathom-membership-redis.fathom.svc.cluster.local:6379", (string?)env["FATHOM_MEMBERSHIP_REDIS"]["value"]);
            Assert.Equal(
                "fathom-replay-0.fathom-replay.fathom.svc.cluster.local:6379,fathom-replay-1.fathom-replay.fathom.svc.cluster.local:6379",
                (string?)env["FATHOM_REPLAY_ENDPOINTS"]["value"]);
            Assert.Equal("fathom-redis", (string?)env["FATHOM_REDIS_PASSWORD"]["valueFrom"]!["secretKeyRef"]!["name"]);
            Assert.StartsWith("http://", (string?)env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"]);
            Assert.Equal($"fathom-{role}", (string?)env["OTEL_SERVICE_NAME"]["value"]);
            Assert.Contains("service.instance.id=$(POD_NAME)", (string?)env["OTEL_RESOURCE_ATTRIBUTES"]["value"]);

            var ports = container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (string)p!["containerPort"]!);
            Assert.Equal(new Dictionary<string, string> { ["silo"] = "11111", ["gateway"] = "30000", ["http"] = "8080", ["metrics"] = "9464" }, ports);
            Assert.Equal("/healthz/live", (string?)container["startupProbe"]!["httpGet"]!["path"]);
            Assert.Equal("/healthz/ready", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
            Assert.Equal("/healthz/live", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
            Assert.Equal("9464", (string?)spec["template"]!["metadata"]!["annotations"]!["prometheus.io/port"]);

            Manifests.Single(objects, "PodDisruptionBudget", $"{Manifests.Release}-{role}");
        }

        var learner = Manifests.Single(objects, "Deployment", "fathom-learner")["spec"]!["template"]!["spec"]!;
        Assert.Equal("1", (string?)learner["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"]);
        Assert.NotNull(learner["nodeSelector"]);
        Assert.Equal("nvidia.com/gpu", (string?)learner["tolerations"]![0]!["key"]);
        var collector = Manifests.Single(objects, "Deployment", "fathom-collector")["spec"]!["template"]!["spec"]!;
        Assert.Null(collector["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"]);
    }

    [ToolFact("helm")]
    public void Redis_is_sharded_behind_a_headless_service_and_only_silos_may_reach_it()
    {
        var objects = Yaml.Documents(Manifests.RenderOrFail());
        var replay = Manifests.Single(objects, "StatefulSet", "fathom-replay");
        Assert.Equal("2", (string?)replay["spec"]!["replicas"]);
        Assert.Equal("None", (string?)Manifests.Single(objects, "Service", "fathom-replay")["spec"]!["clusterIP"]);
        Manifests.Single(objects, "StatefulSet", "fathom-membership-redis");
        Manifests.Single(objects, "PodDisruptionBudget", "fathom-replay");

        var redisArgs = replay["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.Equal("$(FATHOM_REDIS_PASSWORD)", redisArgs[redisArgs.IndexOf("--requirepass") + 1]);

        var policy = Manifests.Single(objects, "NetworkPolicy", "fathom-redis")["spec"]!;
        var protectedComponents = policy["podSelector"]!["matchExpressions"]!.AsArray()
            .Single(e => (string?)e!["key"] == "app.kubernetes.io/component")!["values"]!.AsArray().Select(v => (string)v!);
        Assert.Equal(["membership-redis", "replay-redis"], protectedComponents.Order());
        var from = Assert.Single(Assert.Single(policy["ingress"]!.AsArray())!["from"]!.AsArray())!;
        Assert.Equal("true", (string?)from["podSelector"]!["matchLabels"]!["fathom.io/silo"]);
        Assert.DoesNotContain(objects, o => (string?)o["kind"] == "Secret");
    }

    [ToolFact("helm")]
    public void Non_default_values_reach_the_manifests()
    {
        var objects = Yaml.Documents(Manifests.RenderOrFail("-f", ScaledValues));

        Assert.Equal("5", (string?)Manifests.Single(objects, "StatefulSet", "fathom-replay")["spec"]!["replicas"]);
        Assert.Equal("100Gi", (string?)Manifests.Single(objects, "StatefulSet", "fathom-replay")["spec"]!["volumeClaimTemplates"]![0]!["spec"]!["resources"]!["requests"]!["storage"]);
        var collector = Manifests.Single(objects, "Deployment", "fathom-collector");
        var learner = Manifests.Single(objects, "Deployment", "fathom-learner");
        Assert.Equal("6", (string?)collector["spec"]!["replicas"]);
        Assert.Equal("3", (string?)learner["spec"]!["replicas"]);
        Assert.Equal("registry.example.org/fathom:0.2.0-cuda", (string?)learner["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.Equal("2", (string?)learner["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"]);
        Assert.Equal("a100", (string?)learner["spec"]!["template"]!["spec"]!["nodeSelector"]!["cloud.example.org/accelerator"]);
        Assert.Equal("200", (string?)learner["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]);

        var env = Manifests.Env(collector);
        Assert.Equal(5, ((string)env["FATHOM_REPLAY_ENDPOINTS"]["value"]!).Split(',').Length);
        Assert.Equal("sweep-42", (string?)env["ORLEANS_CLUSTER_ID"]["value"]);
        Assert.False(env.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"), "an empty otel.endpoint leaves OTLP off");
        Assert.Equal("Debug", (string?)env["FATHOM_LOG_LEVEL"]["value"]);
        Assert.Equal("redis-password", (string?)env["FATHOM_REDIS_PASSWORD"]["valueFrom"]!["secretKeyRef"]!["key"]);
        Assert.Equal("collector", (string?)env["FATHOM_ROLE"]["value"]);
        Assert.Equal("cpu", (string?)env["FATHOM_DEVICE"]["value"]);
        var learnerEnv = Manifests.Env(learner);
        Assert.Equal("learner", (string?)learnerEnv["FATHOM_ROLE"]["value"]);
        Assert.Equal("cuda:1", (string?)learnerEnv["FATHOM_DEVICE"]["value"]);

        var secret = Manifests.Single(objects, "Secret", "fathom-lab-redis");
        Assert.Equal(Convert.ToBase64String("not-a-real-password"u8), (string?)secret["data"]!["redis-password"]);
        Manifests.Single(objects, "Namespace", "fathom");
    }

    [ToolFact("helm")]
    public void Values_schema_rejects_values_outside_their_range()
    {
        (string Set, string Field)[] bad =
        [
            ("replay.shards=0", "/replay/shards"),
            ("silo.terminationGracePeriodSeconds=60", "/silo/terminationGracePeriodSeconds"),
            ("learner.gpu.count=0", "/learner/gpu/count"),
            ("collector.replicas=-1", "/collector/replicas"),
            ("learner.device=gpu", "/learner/device"),
            ("replicaCount=3", "replicaCount"),
        ];
        foreach (var (set, field) in bad)
        {
            var result = Manifests.Render("--set", set);
            Assert.True(result.ExitCode != 0, $"--set {set} was accepted");
            Assert.Contains(field, result.Output);
        }
        var missingPassword = Manifests.Render("--set", "redisAuth.createSecret=true");
        Assert.NotEqual(0, missingPassword.ExitCode);
        Assert.Contains("redisAuth.password is required", missingPassword.Output);
    }
}
