namespace Fathom.Silo;

/// <summary>How a silo finds its cluster and its stores (design.md, "Modes").</summary>
public enum SiloMode
{
    /// <summary>Localhost clustering and an embedded Garnet server in process: nothing to install.</summary>
    Local,

    /// <summary>Redis membership table; replay endpoints from configuration.</summary>
    Redis,

    /// <summary>As <see cref="Redis"/>, with the silo's identity and endpoints from the pod's environment.</summary>
    Kubernetes,
}
