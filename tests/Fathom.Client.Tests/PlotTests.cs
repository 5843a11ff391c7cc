using Fathom.Client.Plots;
using Fathom.Client.Results;

namespace Fathom.Client.Tests;

public class PlotTests
{
    [Fact]
    public void Report_DrawsTimeAtGoalFinalDistanceAndTopologyFromCsvs()
    {
        var folder = new RunFolder(ScratchFolder.Create("fathom-report"));
        EvalCsv.Write(folder.Eval, SampleResults.Evals(folder.Name));
        TopologyCsv.Write(folder.Topology, SampleResults.UMaze(folder.Name));

        var written = Report.Draw(folder);

        Assert.Equal(3, written.Count);
        // The sample's passive learner has no distance standard errors (an eval.csv from before the column): drawn without bars.
        foreach (var metric in new[] { EvalCurvesPlot.TimeAtGoal, EvalCurvesPlot.FinalDistance })
            Assert.Equal((EvalCurvesPlot.Width, EvalCurvesPlot.Height), Png.Size(Path.Combine(folder.Path, metric.FileName)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(folder.Path, EvalCurvesPlot.TimeAtGoal.FileName)),
            File.ReadAllBytes(Path.Combine(folder.Path, EvalCurvesPlot.FinalDistance.FileName)));
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

        Assert.Equal(2 + 6 * 2, written.Count);
        Assert.Equal((DepthSweepPlot.Width, DepthSweepPlot.Height), Png.Size(Path.Combine(sweep.Path, DepthSweepPlot.FileName)));
        Assert.Equal((SeedCurvesPlot.Width, SeedCurvesPlot.Height), Png.Size(Path.Combine(sweep.Path, SeedCurvesPlot.FileName)));
        // The sample runs' learners keep their depths (32 and 4) at every swept depth: one curve each over all six runs.
        Assert.All(SeedCurves.Read(sweep.Curves), p => Assert.Equal(6, p.Seeds));
        Assert.All(runs, r => Assert.All(EvalCurvesPlot.Metrics, m => Assert.True(File.Exists(Path.Combine(sweep.Path, r.Run, m.FileName)))));
    }

    [Fact]
    public void Report_OnSweepFolder_DerivesSummaryFromTheRunsItLists()
    {
        var sweep = new RunFolder(ScratchFolder.Create("fathom-sweep"));
        var runs = new List<SweepRun>();
        foreach (var (depth, seed, scale) in new[] { (4, 1, 1.0), (4, 2, 2.0), (16, 1, 3.0) })
        {
            var run = $"d{depth}-s{seed}";
            var evals = SampleResults.Evals(run, scale);
            EvalCsv.Write(RunFolder.Create(sweep.Path, run).Eval, evals);
            runs.Add(SweepCsv.Score(depth, seed, run, evals));
        }
        // A summary from before the second depth-4 seed was added by hand: the report must not keep it.
        SweepCsv.WriteSummary(sweep.SweepSummary, SweepCsv.Summarise(runs.Take(1)));
        SweepCsv.WriteRuns(sweep.SweepRuns, runs);

        Report.Draw(sweep);

        var summary = SweepCsv.ReadSummary(sweep.SweepSummary);
        Assert.Equal([4, 16], summary.Select(d => d.Depth));
        Assert.Equal([2, 1], summary.Select(d => d.Seeds));
        Assert.Equal((runs[0].FinalTimeAtGoal + runs[1].FinalTimeAtGoal) / 2, summary[0].FinalTimeAtGoalMean, 9);
        Assert.True(File.Exists(Path.Combine(sweep.Path, DepthSweepPlot.FileName)));
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

    [Theory]
    [InlineData(0, 0)]
    [InlineData(2, 0)]
    [InlineData(0, 3)]
    [InlineData(2, 3)]
    public void TopologyPanel_DrawsEachCellsQWhereItsCoordinatesAre(int hotColumn, int hotRow)
    {
        // A 3 x 4 grid with one hot cell: the pixel at the hot cell's world coordinates must have the colormap's top
        // colour, and the pixel at its mirror image (top to bottom) the bottom colour. Cells are 1 wide, centres at x.5.
        var cells = new List<TopologyCell>();
        for (var r = 0; r < 4; r++)
            for (var c = 0; c < 3; c++)
                cells.Add(new TopologyCell("r", "deep", "behaviour", 4, 2.5, 3.5, c + 0.5, r + 0.5, false,
                    c == hotColumn && r == hotRow ? 1.0 : 0.0, 1, 1));
        using var plot = new ScottPlot.Plot();
        TopologyPlot.Draw(plot, cells);
        var path = Path.Combine(ScratchFolder.Create("fathom-topology-pixels"), "panel.png");
        // The first render settles the square axis units; the second is the one whose pixels and coordinates agree.
        plot.GetImage(600, 600).Dispose();
        plot.SavePng(path, 600, 600);
        using var image = SkiaSharp.SKBitmap.Decode(path);

        SkiaSharp.SKColor At(double x, double y)
        {
            var pixel = plot.GetPixel(new ScottPlot.Coordinates(x, y));
            return image.GetPixel((int)pixel.X, (int)pixel.Y);
        }
        var top = new ScottPlot.Colormaps.Viridis().GetColor(1.0);
        var bottom = new ScottPlot.Colormaps.Viridis().GetColor(0.0);
        // A point a quarter cell off the centre: the goal marker sits on a cell centre.
        var hot = At(hotColumn + 0.25, hotRow + 0.25);
        var mirror = At(hotColumn + 0.25, 3 - hotRow + 0.25);
        Assert.True(Near(hot, top), $"hot cell ({hotColumn}, {hotRow}) drawn as {hot}, expected the colormap's top {top}");
        Assert.True(Near(mirror, bottom), $"its mirror cell ({hotColumn}, {3 - hotRow}) drawn as {mirror}, expected the colormap's bottom {bottom}");
    }

    static bool Near(SkiaSharp.SKColor pixel, ScottPlot.Color color) =>
        Math.Abs(pixel.Red - color.R) + Math.Abs(pixel.Green - color.G) + Math.Abs(pixel.Blue - color.B) < 30;
}
