using Fathom.Learner.Envs;

namespace Fathom.Learner.Tests.Envs;

public class MazeLayoutTests
{
    [Theory]
    [InlineData("u_maze", 5, 5, 1, 6)]
    [InlineData("u4_maze", 7, 5, 1, 10)]
    [InlineData("u5_maze", 7, 8, 1, 16)]
    [InlineData("big_maze", 8, 8, 1, 25)]
    [InlineData("hardest_maze", 9, 12, 1, 45)]
    [InlineData("u_maze_eval", 5, 5, 1, 3)]
    [InlineData("u4_maze_eval", 7, 5, 1, 4)]
    [InlineData("u5_maze_eval", 7, 8, 1, 8)]
    public void BuiltInsHaveTheDrawnShape(string name, int rows, int columns, int starts, int goals)
    {
        var layout = MazeLayout.BuiltIn(name);
        Assert.Equal((rows, columns, starts, goals), (layout.Rows, layout.Columns, layout.Starts.Count, layout.Goals.Count));
    }

    [Fact]
    public void UMazeCellsAreWhereTheTextPutsThem()
    {
        var layout = MazeLayout.BuiltIn("u_maze");
        Assert.Equal((1, 1), layout.Starts[0]);
        Assert.Contains((3, 1), layout.Goals);
        Assert.True(layout.IsWall(2, 1));
        Assert.False(layout.IsWall(2, 3));
        Assert.True(layout.IsFree(1.5, 3.5));
        Assert.False(layout.IsFree(1.5, 2.5));
    }

    [Theory]
    [InlineData("#####\n#RxG#\n#####", "unknown character 'x' at row 2, column 3")]
    [InlineData("#####\n#..G#\n#####", "no start cell")]
    [InlineData("#####\n#R..#\n#####", "no goal cell")]
    [InlineData("#####\n#R.G.\n#####", "open border, free cell at row 2, column 5")]
    [InlineData("##.##\n#R.G#\n#####", "open border, free cell at row 1, column 3")]
    [InlineData("#####\n#R.G#\n####", "row 3 has 4 columns, expected 5")]
    [InlineData("#####\n#####", "at least 3 rows")]
    public void LayoutErrorsAreNamed(string text, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => MazeLayout.Parse(text, "bad"));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void UnknownBuiltInNamesTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => MazeLayout.BuiltIn("v_maze"));
        Assert.Contains("u_maze", error.Message);
    }

    [Fact]
    public void UserLayoutFileLoadsByPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fathom-maze-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "#####\r\n#R.G#\r\n#.#.#\r\n#####\r\n");
        try
        {
            var layout = MazeLayout.From(path);
            Assert.Equal((4, 5), (layout.Rows, layout.Columns));
            Assert.Equal((1, 3), layout.Goals.Single());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("CellSize")]
    [InlineData("StepSize")]
    [InlineData("SuccessRadius")]
    [InlineData("EpisodeLength")]
    [InlineData("StartNoise")]
    public void NonPositiveSizesAreNamed(string field)
    {
        var settings = field switch
        {
            "CellSize" => new PointMazeSettings { CellSize = 0 },
            "StepSize" => new PointMazeSettings { StepSize = -0.5f },
            "SuccessRadius" => new PointMazeSettings { SuccessRadius = 0 },
            "EpisodeLength" => new PointMazeSettings { EpisodeLength = 0 },
            _ => new PointMazeSettings { StartNoise = 0.7f },
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PointMaze(MazeLayout.BuiltIn("u_maze"), 4, 0, settings));
        Assert.Equal(field, error.ParamName);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void NonPositiveEnvCountIsNamed()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PointMaze(MazeLayout.BuiltIn("u_maze"), 0, 0));
        Assert.Equal("numEnvs", error.ParamName);
    }
}
