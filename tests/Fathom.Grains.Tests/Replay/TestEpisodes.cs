using Fathom.Replay;

namespace Fathom.Grains.Tests.Replay;

/// <summary>
/// Episodes whose states name themselves: state t of episode n is (n, t, noise, noise) and the goal slice is
/// the first two entries, so a sampled goal tells which episode and time step it came from.
/// </summary>
public static class TestEpisodes
{
    public static readonly EpisodeLayout Layout = new(stateDim: 4, actionDim: 2, goalStart: 0, goalDim: 2);

    public static ReplayStoreOptions Options(long capacity) => new("t-" + Guid.NewGuid().ToString("N")[..16], Layout, capacity);

    public static Episode Make(int number, int length, string producer = "test", long? sequence = null, int seed = 0)
    {
        var random = new Random(HashCode.Combine(number, seed));
        var states = new float[(length + 1) * Layout.StateDim];
        for (int t = 0; t <= length; t++)
        {
            states[t * 4] = number;
            states[t * 4 + 1] = t;
            states[t * 4 + 2] = random.NextSingle();
            states[t * 4 + 3] = random.NextSingle();
        }
        var actions = Enumerable.Range(0, length * Layout.ActionDim).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        return new Episode(Layout, length, states, actions, producer, policyVersion: number % 7, sequence ?? number);
    }
}
