using System.Text.RegularExpressions;

namespace Fathom.Deploy.Tests;

/// <summary>
/// Every relative link and image in the project's Markdown (README, docs, chart and deploy notes) names a file that
/// exists, resolved from the Markdown file's own folder as GitHub renders it; results.md once linked its figures
/// from the wrong folder and showed none of them.
/// </summary>
public partial class DocLinkTests
{
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

    private static readonly string[] SkippedFolders = ["bin", "obj", "node_modules", ".git", "bench-results"];

    /// <summary>The Markdown files of the tree, leaving out build output and the root's results/ (a user's own runs).</summary>
    public static IEnumerable<string> MarkdownFiles()
    {
        var localRuns = Path.Combine(Repo.Root, "results");
        var pending = new Stack<string>([Repo.Root]);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var file in Directory.GetFiles(folder, "*.md")) yield return file;
            foreach (var sub in Directory.GetDirectories(folder))
            {
                if (!SkippedFolders.Contains(Path.GetFileName(sub)) && sub != localRuns) pending.Push(sub);
            }
        }
    }

    /// <summary>The relative targets of one Markdown text's links and images, without anchors; web and mail links are left out.</summary>
    public static IEnumerable<string> RelativeTargets(string markdown) =>
        LinkPattern().Matches(markdown)
            .Select(m => m.Groups["target"].Value)
            .Where(t => !t.StartsWith('#') && !Regex.IsMatch(t, "^[a-zA-Z][a-zA-Z0-9+.-]*:"))
            .Select(t => Uri.UnescapeDataString(t.Split('#')[0]));

    [Fact]
    public void Relative_targets_are_read_from_links_and_images()
    {
        var targets = RelativeTargets("![a figure](results/x/curves.png) see [the design](design.md#rooms), "
            + "[web](https://example.org/a.md), [here](#top) and [space](my%20file.md \"title\")").ToList();
        Assert.Equal(["results/x/curves.png", "design.md", "my file.md"], targets);
    }

    [Fact]
    public void Every_relative_link_in_the_markdown_names_an_existing_file()
    {
        var files = MarkdownFiles().ToList();
        Assert.Contains(files, f => f.EndsWith(Path.Combine("docs", "results.md")));
        var broken = (
            from file in files
            from target in RelativeTargets(File.ReadAllText(file))
            let resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, target))
            where !File.Exists(resolved) && !Directory.Exists(resolved)
            select $"{Path.GetRelativePath(Repo.Root, file)}: ({target}) -> {Path.GetRelativePath(Repo.Root, resolved)} does not exist"
        ).ToList();
        Assert.True(broken.Count == 0, "broken links:\n" + string.Join("\n", broken));
    }
}
