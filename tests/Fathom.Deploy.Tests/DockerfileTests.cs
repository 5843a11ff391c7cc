using System.Text.RegularExpressions;

namespace Fathom.Deploy.Tests;

/// <summary>
/// The image cannot be built here (no Docker daemon); these checks keep the Dockerfile in step with the repository:
/// every file it copies from the build context exists, the final stage runs as a non-root user, both builds exist.
/// </summary>
public partial class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(Repo.Dockerfile);

    [Fact]
    public void Every_path_copied_from_the_build_context_exists()
    {
        var copies = Lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(copies);
        foreach (var copy in copies)
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
            foreach (var source in parts[..^1])
            {
                Assert.True(File.Exists(Path.Combine(Repo.Root, source)) || Directory.Exists(Path.Combine(Repo.Root, source)),
                    $"Dockerfile copies {source}, which is not in the repository");
            }
        }
    }

    [Fact]
    public void Final_stage_runs_as_a_non_root_user_and_starts_the_silo()
    {
        var finalStage = Lines.SkipWhile(l => !l.StartsWith("FROM runtime-${FathomTorch}", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(finalStage);
        var user = Assert.Single(finalStage, l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"^USER (0|root)\b", user);
        Assert.Contains(finalStage, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains("Fathom.Silo.dll", StringComparison.Ordinal));
        Assert.Contains(finalStage, l => l.StartsWith("EXPOSE", StringComparison.Ordinal) && l.Contains("11111") && l.Contains("30000") && l.Contains("9464"));
    }

    [Fact]
    public void Cpu_and_cuda_builds_are_both_defined()
    {
        Assert.Contains("ARG FathomTorch=cpu", Lines);
        var stages = Lines.Select(l => StageName().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("runtime-cpu", stages);
        Assert.Contains("runtime-cuda", stages);
        Assert.Contains(Lines, l => l.Contains("-p:FathomTorch=${FathomTorch}", StringComparison.Ordinal));
        Assert.Contains(Lines, l => l.StartsWith("ARG CUDA_IMAGE=nvidia/cuda:12.8", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^FROM \S+ AS (\S+)$")]
    private static partial Regex StageName();
}
