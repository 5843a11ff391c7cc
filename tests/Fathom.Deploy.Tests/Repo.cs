namespace Fathom.Deploy.Tests;

/// <summary>Paths of the deployment files under test, found from the repository root (the folder with Distributed.sln).</summary>
public static class Repo
{
    public static readonly string Root = Fathom.Tests.RepoRoot.Path;

    public static string Chart => Path.Combine(Root, "helm", "fathom");
    public static string K8s => Path.Combine(Root, "deploy", "k8s");
    public static string Grafana => Path.Combine(Root, "deploy", "grafana");
    public static string Dashboard => Path.Combine(Grafana, "dashboards", "fathom-experiment.json");
    public static string Validator => Path.Combine(Root, "deploy", "validate", "validate.mjs");
    public static string Dockerfile => Path.Combine(Root, "deploy", "docker", "Dockerfile");
    public static string YamllintConfig => Path.Combine(Root, ".yamllint");
    public static string Fixtures => Path.Combine(Root, "tests", "Fathom.Deploy.Tests", "Fixtures");

    /// <summary>The plain manifests of deploy/k8s (the kustomization file lists them; it is not a Kubernetes object).</summary>
    public static string[] K8sManifests() =>
        Directory.GetFiles(K8s, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").Order().ToArray();
}
