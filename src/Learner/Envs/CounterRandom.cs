using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Envs;

/// <summary>
/// Counter-based random numbers: every draw is a hash of (seed, env index, episode, stream) instead of the next
/// value of one shared generator, so env i sees the same numbers whether it runs alone or among 1000 envs, on
/// any device. The hash is Wellons' "lowbias32" integer mixer, computed on int64 tensors holding non-negative 32-bit values
/// (each multiply is split into 16-bit halves so nothing overflows).
/// </summary>
public static class CounterRandom
{
    private const long Mask32 = 0xFFFF_FFFF;
    private const uint Multiplier1 = 0x7feb352d, Multiplier2 = 0x846ca68b, StreamKey = 0x9e3779b9;

    /// <summary>The scalar form of the mixer (the tensor form below computes exactly this).</summary>
    public static uint Hash(uint x)
    {
        x ^= x >> 16;
        x *= Multiplier1;
        x ^= x >> 15;
        x *= Multiplier2;
        x ^= x >> 16;
        return x;
    }

    /// <summary>Scalar uniform in [0, 1) for one env's draw; equal to the tensor form's float.</summary>
    public static float Uniform(long seed, long envIndex, long episode, int stream)
    {
        var h = Hash((uint)(envIndex & Mask32));
        h = Hash(h ^ (uint)(episode & Mask32));
        h = Hash(h ^ SeedKey(seed));
        h = Hash(h ^ (uint)stream * StreamKey);
        return (h >> 8) / 16777216f;
    }

    /// <summary>
    /// Uniforms in [0, 1), one [N] tensor per stream, for envs with the given indices and episode counters
    /// (int64 [N]). Streams are separate [N] tensors rather than one [N, streams] block so that at the usual batch
    /// sizes every op stays below libtorch's parallel grain and never wakes the intra-op thread pool.
    /// </summary>
    public static Tensor[] Uniform(long seed, Tensor envIndex, Tensor episode, int streams)
    {
        using var scope = NewDisposeScope();
        var h = Hash(envIndex.remainder(Scalars.Of(1L << 32)));
        h = Hash(h.bitwise_xor(episode.remainder(Scalars.Of(1L << 32))));
        h = Hash(h.bitwise_xor(torch.tensor((long)SeedKey(seed), device: envIndex.device)));
        var draws = new Tensor[streams];
        for (var s = 0; s < streams; s++)
        {
            var key = torch.tensor((long)((uint)s * StreamKey), device: envIndex.device);
            draws[s] = Hash(h.bitwise_xor(key)).floor_divide(Scalars.Of(256L)).to_type(ScalarType.Float32).div_(Scalars.Of(16777216f)).MoveToOuterDisposeScope();
        }
        return draws;
    }

    private static uint SeedKey(long seed) => Hash((uint)(seed & Mask32) ^ Hash((uint)((ulong)seed >> 32)));

    private static Tensor Hash(Tensor x)
    {
        x = x.bitwise_xor(x.floor_divide(Scalars.Of(1L << 16)));
        x = MultiplyMod32(x, Multiplier1);
        x = x.bitwise_xor(x.floor_divide(Scalars.Of(1L << 15)));
        x = MultiplyMod32(x, Multiplier2);
        return x.bitwise_xor(x.floor_divide(Scalars.Of(1L << 16)));
    }

    /// <summary>(x * m) mod 2^32 for 0 &lt;= x &lt; 2^32 without leaving int64 (all values stay non-negative).</summary>
    private static Tensor MultiplyMod32(Tensor x, uint m)
    {
        var low = x.mul(Scalars.Of((long)(m & 0xFFFF)));
        var high = x.mul(Scalars.Of((long)(m >> 16))).remainder(Scalars.Of(1L << 16)).mul(Scalars.Of(1L << 16));
        return low.add(high, Scalars.One).remainder(Scalars.Of(1L << 32));
    }
}
