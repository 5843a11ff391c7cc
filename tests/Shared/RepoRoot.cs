namespace Fathom.Tests;

/// <summary>The checkout the tests run from: the folder above the test binaries that holds Distributed.sln.</summary>
public static class RepoRoot
{
    public static readonly string Path = Find();

    static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Distributed.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Distributed.sln not found above {AppContext.BaseDirectory}");
    }
}
