using Fathom.Client.Plots;
using Fathom.Client.Results;

namespace Fathom.Client.Tests;

public class PlotTests
{
    [Fact]
    public void Report_DrawsTimeAtGoalAndTopologyFromCsvs()
    {
        var folder = new RunFolder(ScratchFolder.Create("fathom-report"));
        EvalCsv.Write(folder.Eval, SampleResults.Evals(folder.Name));
        TopologyCsv.Write(folder.Topology, SampleResults.UMaze(folder.Name));

        var written = Report.Draw(folder);

        Assert.Equal(2, written.Count);
        Assert.Equal((TimeAtGoalPlot.Width, TimeAtGoalPlot.Height), Png.Size(Path.Combine(folder.Path, TimeAtGoalPlot.FileName)));
        Assert.Equal((TopologyPlot.Width, TopologyPlot.Height), Png.Size(Path.Combine(folder.Path, TopologyPlot.FileName)));
    }

    [Fact]
    public void Report_OnSweepFolder_DrawsDepthPlotAndEveryRun()
    {
        var sweep = new RunFolder(ScratchFolder.Create("fathom-sweep"));
        var runs = new List<SweepRun>();
        foreach (var depth in new[] { 4, 8, 16 })
            for (var seed = 0; seed < 2; seed++)
            {
                var run = $"d{depth}-s{seed}";
                var folder = RunFolder.Create(sweep.Path, run);
                var evals = SampleResults.Evals(run, depth / 4.0);
                EvalCsv.Write(folder.Eval, evals);
                runs.Add(SweepCsv.Score(depth, seed, run, evals));
            }
        SweepCsv.WriteRuns(sweep.SweepRuns, runs);
        SweepCsv.WriteSummary(sweep.SweepSummary, SweepCsv.Summarise(runs));

        var written = Report.Draw(sweep);

        Assert.Equal(1 + 6, written.Count);
        Assert.Equal((DepthSweepPlot.Width, DepthSweepPlot.Height), Png.Size(Path.Combine(sweep.Path, DepthSweepPlot.FileName)));
        Assert.All(runs, r => Assert.True(File.Exists(Path.Combine(sweep.Path, r.Run, TimeAtGoalPlot.FileName))));
    }

    [Fact]
    public void Report_OnEmptyFolder_SaysWhatItExpected()
    {
        var folder = new RunFolder(ScratchFolder.Create("fathom-empty"));
        Assert.Contains("eval.csv", Assert.Throws<FileNotFoundException>(() => Report.Draw(folder)).Message);
    }

    [Fact]
    public void TopologyCorrelations_TellPathFollowerFromStraightLineFollower()
    {
        var cells = SampleResults.UMaze("r");
        var panels = TopologyPlot.Panels(cells);
        Assert.Equal(["shallow", "deep"], panels.Select(p => p[0].Learner));
        var (shallowGeo, shallowEuclid) = TopologyPlot.Correlations(panels[0]);
        var (deepGeo, deepEuclid) = TopologyPlot.Correlations(panels[1]);
        Assert.Equal(1.0, shallowEuclid, 9);
        Assert.Equal(1.0, deepGeo, 9);
        Assert.True(shallowGeo < 0.9, $"shallow geodesic correlation {shallowGeo}");
        Assert.True(deepEuclid < 0.9, $"deep Euclidean correlation {deepEuclid}");
    }
}
