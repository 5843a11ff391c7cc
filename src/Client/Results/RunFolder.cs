namespace Fathom.Client.Results;

/// <summary>Where everything of one run lives: results/&lt;run&gt;/ and the names of its files.</summary>
public sealed record RunFolder(string Path)
{
    public const string SpecFileName = "spec.yaml";
    public const string CheckpointFolderName = "checkpoint";

    public string Name => System.IO.Path.GetFileName(Path.TrimEnd('/'));
    public string Spec => System.IO.Path.Combine(Path, SpecFileName);
    public string Metrics => System.IO.Path.Combine(Path, MetricsCsv.FileName);
    public string Eval => System.IO.Path.Combine(Path, EvalCsv.FileName);
    public string Topology => System.IO.Path.Combine(Path, TopologyCsv.FileName);
    public string SweepRuns => System.IO.Path.Combine(Path, SweepCsv.RunsFileName);
    public string SweepSummary => System.IO.Path.Combine(Path, SweepCsv.SummaryFileName);
    public string Curves => System.IO.Path.Combine(Path, SeedCurves.FileName);
    public string Trainability => System.IO.Path.Combine(Path, TrainabilityCsv.FileName);
    public string Checkpoint => System.IO.Path.Combine(Path, CheckpointFolderName);

    public static RunFolder Create(string resultsDir, string run)
    {
        var folder = new RunFolder(System.IO.Path.GetFullPath(System.IO.Path.Combine(resultsDir, run)));
        Directory.CreateDirectory(folder.Path);
        return folder;
    }

    /// <summary>Removes a folder that only holds the spec of a run that never started.</summary>
    public void Discard()
    {
        if (File.Exists(Spec)) File.Delete(Spec);
        if (Directory.Exists(Path) && !Directory.EnumerateFileSystemEntries(Path).Any()) Directory.Delete(Path);
    }
}
