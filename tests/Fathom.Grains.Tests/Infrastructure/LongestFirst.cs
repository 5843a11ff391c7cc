using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestCollectionOrderer("Fathom.Grains.Tests.Infrastructure.LongestFirst", "Fathom.Grains.Tests")]

namespace Fathom.Grains.Tests.Infrastructure;

/// <summary>
/// Starts the quickstart learning run (by far the longest test) first, so that it trains beside the rest of the
/// project rather than after it; the other collections keep xUnit's default order.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => c.DisplayName == QuickstartCollection.Name ? 0 : 1).ThenBy(c => c.UniqueID);
}
