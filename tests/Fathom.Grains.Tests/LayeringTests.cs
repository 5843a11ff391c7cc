using System.Reflection;

namespace Fathom.Grains.Tests;

/// <summary>
/// The rooms of design.md, checked on the built assemblies: Client -> Grains -> Replay -> Learner, Silo -> Grains.
/// Learner knows nothing of Fathom, Orleans or Redis; Replay nothing of Orleans or the grains.
/// </summary>
public class LayeringTests
{
    private static string[] References(Assembly assembly) => assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    [Fact]
    public void Learner_depends_on_nothing_of_Fathom_nor_on_Orleans_or_Redis()
    {
        var references = References(typeof(Fathom.Learner.Crl.CrlConfig).Assembly);
        Assert.DoesNotContain(references, r => r.StartsWith("Fathom.", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Orleans", StringComparison.Ordinal) || r.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
        Assert.DoesNotContain("StackExchange.Redis", references);
    }

    [Fact]
    public void Replay_depends_on_Learner_but_not_on_Orleans_or_the_grains()
    {
        var references = References(typeof(Fathom.Replay.IReplayStore).Assembly);
        Assert.Contains("Fathom.Learner", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Fathom.", StringComparison.Ordinal) && r != "Fathom.Learner");
        Assert.DoesNotContain(references, r => r.Contains("Orleans", StringComparison.Ordinal));
    }

    [Fact]
    public void Grains_use_Replay_and_Learner_but_not_the_host_or_the_client()
    {
        var references = References(typeof(Fathom.Grains.WorkerSettings).Assembly);
        Assert.Contains("Fathom.Replay", references);
        Assert.DoesNotContain("Fathom.Silo", references);
        Assert.DoesNotContain("fathom", references);
        Assert.DoesNotContain("Fathom.Client", references);
    }
}
