namespace Fathom.Tests;

/// <summary>
/// Fresh folders for one test process, all under one root that is deleted when the process exits, so that test
/// runs leave nothing behind in the temporary folder (CI machines run many of them on one disk).
/// </summary>
public static class ScratchFolder
{
    static readonly Lazy<string> Root = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("fathom-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // Best effort: a child process still writing there must not turn a finished test run into a crash.
            try { Directory.Delete(root, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        };
        return root;
    });

    /// <summary>A new empty folder whose name starts with <paramref name="prefix"/>.</summary>
    public static string Create(string prefix) =>
        Directory.CreateDirectory(Path.Combine(Root.Value, $"{prefix}-{Guid.NewGuid():N}")).FullName;
}
