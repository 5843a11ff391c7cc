using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Fathom.Deploy.Tests;

/// <summary>
/// The <c>fathom</c> .NET tool package, packed once for the class from the already built src/Client (pack --no-build:
/// the test project's reference to it builds it first, in the test's configuration). The package carries libtorch, so
/// packing is the slow part; both tests share it.
/// </summary>
public sealed class ToolPackage
{
    public const string Id = "fathom";

    /// <summary>The configuration this test assembly (and so src/Client) was built in.</summary>
    public static readonly string Configuration = typeof(ToolPackage).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Configuration").Value!;

    public string Version { get; } = VersionTests.ProjectVersion();
    public string Folder { get; } = ScratchFolder.Create("fathom-tool-package");
    public Tools.Result Pack { get; }
    public TimeSpan PackTime { get; }
    public string Package => Path.Combine(Folder, $"{Id}.{Version}.nupkg");

    public ToolPackage()
    {
        var clock = Stopwatch.StartNew();
        Pack = Tools.Run("dotnet", ["pack", Path.Combine(Repo.Root, "src", "Client", "Fathom.Client.csproj"), "-c", Configuration, "--no-build", "-o", Folder, "-nologo"],
            timeoutSeconds: 600);
        PackTime = clock.Elapsed;
    }

    public void AssertPacked() => Assert.True(Pack.ExitCode == 0 && File.Exists(Package),
        $"dotnet pack src/Client -c {Configuration} --no-build did not make {Package} (exit {Pack.ExitCode}; is src/Client built in {Configuration}?):\n{Pack.Output}");
}

public class ToolPackageTests(ToolPackage package, ITestOutputHelper output) : IClassFixture<ToolPackage>
{
    [Fact]
    public void Pack_makes_a_tool_package_named_fathom_with_the_project_version()
    {
        package.AssertPacked();
        output.WriteLine($"pack: {package.PackTime.TotalSeconds:0.0} s, {new FileInfo(package.Package).Length / 1e6:0} MB");
        using var zip = ZipFile.OpenRead(package.Package);

        var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName == $"{ToolPackage.Id}.nuspec").Open());
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Meta(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal(ToolPackage.Id, Meta("id"));
        Assert.Equal(package.Version, Meta("version"));
        Assert.Contains(metadata.Descendants(), e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");

        var settings = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal)).Open());
        var command = settings.Descendants("Command").Single();
        Assert.Equal("fathom", (string?)command.Attribute("Name"));
        Assert.Equal("fathom.dll", (string?)command.Attribute("EntryPoint"));

        // The tool runs where libtorch is served (linux-x64): it carries libtorch, and no other platform's native files.
        var natives = zip.Entries.Select(e => e.FullName).Where(n => n.Contains("/runtimes/", StringComparison.Ordinal) && n.Contains("/native/", StringComparison.Ordinal)).ToList();
        Assert.Contains(natives, n => n.EndsWith("/runtimes/linux-x64/native/libtorch_cpu.so", StringComparison.Ordinal));
        Assert.Contains(natives, n => n.EndsWith("/runtimes/linux-x64/native/libLibTorchSharp.so", StringComparison.Ordinal));
        Assert.DoesNotContain(natives, n => !n.Contains("/runtimes/linux-x64/native/", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_packing_links_published_files_so_a_rebuild_cannot_change_a_published_fathom()
    {
        // csc rewrites obj/fathom.dll in place; a publish folder linked to it would change under a running fathom.
        var project = Path.Combine(Repo.Root, "src", "Client", "Fathom.Client.csproj");
        string LinksPublishedFiles(params string[] properties)
        {
            var result = Tools.Run("dotnet", ["msbuild", project, "-nologo", "-getProperty:CreateHardLinksForPublishFilesIfPossible", .. properties]);
            Assert.True(result.ExitCode == 0, $"dotnet msbuild -getProperty failed (exit {result.ExitCode}):\n{result.Output}");
            return result.Stdout.Trim();
        }
        Assert.NotEqual("true", LinksPublishedFiles(), StringComparer.OrdinalIgnoreCase);
        Assert.Equal("true", LinksPublishedFiles("-p:_IsPacking=true"), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void Installed_from_the_package_folder_fathom_prints_the_project_version()
    {
        package.AssertPacked();
        var toolPath = ScratchFolder.Create("fathom-tool-path");
        // Offline, as a machine without the internet: one more configured feed that cannot be reached must not matter.
        var workingDirectory = ScratchFolder.Create("fathom-tool-offline");
        File.WriteAllText(Path.Combine(workingDirectory, "nuget.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="unreachable" value="https://127.0.0.1:9/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        var clock = Stopwatch.StartNew();
        // --add-source adds the folder to the configured feeds; the pinned version keeps any other feed's "fathom" out.
        var install = Tools.Run("dotnet", ["tool", "install", "--tool-path", toolPath, "--add-source", package.Folder, ToolPackage.Id, "--version", package.Version],
            workingDirectory, timeoutSeconds: 600);
        output.WriteLine($"pack: {package.PackTime.TotalSeconds:0.0} s, install: {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed (exit {install.ExitCode}):\n{install.Output}");

        var fathom = Path.Combine(toolPath, "fathom");
        Assert.True(File.Exists(fathom), $"the tool path holds no 'fathom' command: {string.Join(", ", Directory.GetFileSystemEntries(toolPath).Select(Path.GetFileName))}");
        var version = Tools.RunFile(fathom, ["--version"], workingDirectory: toolPath);
        Assert.True(version.ExitCode == 0, $"fathom --version exited {version.ExitCode}:\n{version.Output}");
        Assert.Equal(package.Version, version.Stdout.Trim());
    }
}
