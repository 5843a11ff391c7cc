namespace Fathom.Grains.Contracts;

/// <summary>
/// A run that cannot start on this cluster as it is (a role no silo offers, a device that is not there, stores too
/// small). The message names what is missing and what is available; `fathom` prints it without a stack trace.
/// </summary>
[GenerateSerializer, Alias("fathom.RunRefusedException")]
public sealed class RunRefusedException : Exception
{
    public RunRefusedException(string message) : base(message)
    {
    }
}
