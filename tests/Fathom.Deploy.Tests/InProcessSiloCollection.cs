namespace Fathom.Deploy.Tests;

/// <summary>
/// Test classes that host an Orleans silo in this process run one after another: Orleans keeps some instruments'
/// observers in statics (ring size, activations), so a silo stopping under another would empty the other's scrape,
/// and the Fathom meter is process-wide, so one class's measurements would show in the other's.
/// </summary>
[CollectionDefinition(Name)]
public sealed class InProcessSiloCollection
{
    public const string Name = "in-process silos";
}
