using System.Collections.Concurrent;
using TorchSharp;

namespace Fathom.Learner;

/// <summary>
/// Scalars that stay alive while libtorch reads them. TorchSharp does not track Scalars in dispose scopes, and an
/// implicit number-to-Scalar temporary is unreachable once its handle has been passed to native code, so the GC's
/// finalizer can free it while the op still reads it. Under the allocation pressure of several worker threads this
/// showed as a learner crash ("Expected false to be true ... toFloat") after some hundred to thousand updates.
/// Hot paths therefore never pass a bare number to a tensor op: constants come from this cache (rooted for the life
/// of the process), values that change every call are held in a <c>using</c> variable until the op returns.
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<(Type, long), Scalar> Cache = new();

    /// <summary>The alpha of a plain tensor sum: TorchSharp's <c>a + b</c> and <c>add(b)</c> make a temporary 1 each call.</summary>
    public static Scalar One => Of(1L);

    public static Scalar Of(double value) =>
        Cache.GetOrAdd((typeof(double), BitConverter.DoubleToInt64Bits(value)), static k => BitConverter.Int64BitsToDouble(k.Item2).ToScalar());

    public static Scalar Of(float value) =>
        Cache.GetOrAdd((typeof(float), BitConverter.SingleToInt32Bits(value)), static k => BitConverter.Int32BitsToSingle((int)k.Item2).ToScalar());

    public static Scalar Of(long value) =>
        Cache.GetOrAdd((typeof(long), value), static k => k.Item2.ToScalar());

    /// <summary>x², for hot paths: TorchSharp's <c>square()</c> is <c>pow(2)</c> with a temporary Scalar (a learner crashed with "Unknown scalar type" in it).</summary>
    public static torch.Tensor Squared(this torch.Tensor x) => x.pow(Of(2L));
}
