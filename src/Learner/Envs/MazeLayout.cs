namespace Fathom.Learner.Envs;

/// <summary>
/// A maze parsed from text: one row per line, `#` wall, `.` free, `R` start cell, `G` goal cell (both free).
/// Row 0 is the top line; a cell (row, col) covers world x in [col, col+1) and y in [row, row+1) times the cell size,
/// so y grows downward as the text is read.
/// </summary>
public sealed class MazeLayout
{
    private readonly bool[,] _wall;

    public string Name { get; }
    public int Rows { get; }
    public int Columns { get; }
    /// <summary>Start cells as (row, col), in reading order.</summary>
    public IReadOnlyList<(int Row, int Col)> Starts { get; }
    /// <summary>Goal cells as (row, col), in reading order.</summary>
    public IReadOnlyList<(int Row, int Col)> Goals { get; }

    private MazeLayout(string name, bool[,] wall, List<(int, int)> starts, List<(int, int)> goals)
    {
        Name = name;
        _wall = wall;
        Rows = wall.GetLength(0);
        Columns = wall.GetLength(1);
        Starts = starts;
        Goals = goals;
    }

    /// <summary>The names accepted by <see cref="BuiltIn"/>.</summary>
    public static IReadOnlyCollection<string> BuiltInNames => BuiltInMazes.Texts.Keys.ToArray();

    /// <summary>A built-in layout (u_maze, u4_maze, u5_maze, big_maze, hardest_maze, u_maze_eval, u4_maze_eval, u5_maze_eval).</summary>
    public static MazeLayout BuiltIn(string name) =>
        BuiltInMazes.Texts.TryGetValue(name, out var text)
            ? Parse(text, name)
            : throw new ArgumentException($"unknown built-in maze '{name}'; known: {string.Join(", ", BuiltInNames)}", nameof(name));

    /// <summary>Reads a user's layout file (same text format as the built-ins).</summary>
    public static MazeLayout Load(string path) => Parse(File.ReadAllText(path), Path.GetFileNameWithoutExtension(path));

    /// <summary>
    /// A layout as a spec gives it, the one string a config needs: a built-in name, the maze itself (text of more than
    /// one row, see <see cref="IsText"/>), or otherwise the path of a layout file.
    /// </summary>
    public static MazeLayout From(string layout) =>
        BuiltInMazes.Texts.ContainsKey(layout) ? BuiltIn(layout) : IsText(layout) ? Parse(layout) : Load(layout);

    /// <summary>Whether <paramref name="layout"/> is a maze's text rather than a name or a path: it has more than one row.</summary>
    public static bool IsText(string layout) => layout.Contains('\n');

    /// <summary>Parses layout text; every error names what is wrong and where (rows and columns counted from 1).</summary>
    public static MazeLayout Parse(string text, string name = "custom")
    {
        var lines = text.Replace("\r", "").Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[0].Length == 0) lines.RemoveAt(0);
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count < 3 || lines[0].Length < 3)
            throw new ArgumentException($"maze '{name}': layout needs at least 3 rows and 3 columns (a free cell inside a closing wall), got {lines.Count} rows", nameof(text));

        int rows = lines.Count, columns = lines[0].Length;
        var wall = new bool[rows, columns];
        var starts = new List<(int, int)>();
        var goals = new List<(int, int)>();
        for (var r = 0; r < rows; r++)
        {
            if (lines[r].Length != columns)
                throw new ArgumentException($"maze '{name}': row {r + 1} has {lines[r].Length} columns, expected {columns} like row 1", nameof(text));
            for (var c = 0; c < columns; c++)
            {
                switch (lines[r][c])
                {
                    case '#': wall[r, c] = true; break;
                    case '.': break;
                    case 'R': starts.Add((r, c)); break;
                    case 'G': goals.Add((r, c)); break;
                    default:
                        throw new ArgumentException($"maze '{name}': unknown character '{lines[r][c]}' at row {r + 1}, column {c + 1} (allowed: # . R G)", nameof(text));
                }
                var onBorder = r == 0 || c == 0 || r == rows - 1 || c == columns - 1;
                if (onBorder && !wall[r, c])
                    throw new ArgumentException($"maze '{name}': open border, free cell at row {r + 1}, column {c + 1}; the map must be closed by walls", nameof(text));
            }
        }
        if (starts.Count == 0) throw new ArgumentException($"maze '{name}': no start cell ('R')", nameof(text));
        if (goals.Count == 0) throw new ArgumentException($"maze '{name}': no goal cell ('G')", nameof(text));
        return new MazeLayout(name, wall, starts, goals);
    }

    public bool IsWall(int row, int col) => row < 0 || col < 0 || row >= Rows || col >= Columns || _wall[row, col];

    /// <summary>Whether the world point (x, y) lies in a free cell.</summary>
    public bool IsFree(double x, double y, double cellSize = 1)
    {
        var col = (int)Math.Floor(x / cellSize);
        var row = (int)Math.Floor(y / cellSize);
        return !IsWall(row, col);
    }

    /// <summary>
    /// For each cell (index row * Columns + col), how far a point inside it may move along x and along y
    /// in one sub-step of at most one cell: to the far side of a free neighbour, or to just short of a wall
    /// (by <paramref name="margin"/>) so the point stays in a free cell. This table is what makes the
    /// movement slide along walls and never cross one.
    /// </summary>
    public (float[] XMin, float[] XMax, float[] YMin, float[] YMax) AxisBounds(float cellSize, float margin)
    {
        var n = Rows * Columns;
        float[] xMin = new float[n], xMax = new float[n], yMin = new float[n], yMax = new float[n];
        for (var r = 0; r < Rows; r++)
            for (var c = 0; c < Columns; c++)
            {
                var k = r * Columns + c;
                xMin[k] = IsWall(r, c - 1) ? c * cellSize + margin : (c - 1) * cellSize;
                xMax[k] = IsWall(r, c + 1) ? (c + 1) * cellSize - margin : (c + 2) * cellSize;
                yMin[k] = IsWall(r - 1, c) ? r * cellSize + margin : (r - 1) * cellSize;
                yMax[k] = IsWall(r + 1, c) ? (r + 1) * cellSize - margin : (r + 2) * cellSize;
            }
        return (xMin, xMax, yMin, yMax);
    }
}
