namespace Fathom.Grains.Contracts;

/// <summary>
/// A worker refused to start (e.g. its spec asks for a device its silo does not have). It travels from the worker's
/// grain through the experiment grain to the client, whose <c>fathom run</c> prints <see cref="Exception.Message"/>.
/// </summary>
[GenerateSerializer, Alias("fathom.RunStartException")]
public sealed class RunStartException : Exception
{
    public RunStartException()
    {
    }

    public RunStartException(string message) : base(message)
    {
    }

    public RunStartException(string message, Exception inner) : base(message, inner)
    {
    }
}
