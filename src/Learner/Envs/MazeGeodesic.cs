namespace Fathom.Learner.Envs;

/// <summary>
/// True shortest-path (geodesic) distances between free points of a maze, for the topology probe and the
/// scripted oracle policy. A shortest path around square walls bends only at convex wall corners, so the
/// distance is exact: a visibility graph over those corners (all-pairs by Floyd-Warshall) plus straight
/// segments to the endpoints. No grid resolution is involved; a segment may graze a wall by
/// <see cref="Tolerance"/> cell (1e-3) and still count as free, but not slip along the seam between two
/// adjacent walls, and a point where two walls touch diagonally is closed, exactly as the env's
/// axis-by-axis movement treats it.
/// </summary>
public sealed class MazeGeodesic
{
    /// <summary>How far (in cells) a segment may graze a wall and still count as free.</summary>
    public const double Tolerance = 1e-3;

    private readonly double _cell;
    private readonly (double X, double Y)[] _corners;
    private readonly (int X, int Y)[] _awayFromWall;
    private readonly (double X0, double Y0, double X1, double Y1)[] _walls;
    private readonly (double X, double Y)[] _pinches;
    private readonly double[,] _between;

    public MazeGeodesic(MazeLayout layout, double cellSize = 1)
    {
        _cell = cellSize;
        var corners = new List<(double, double)>();
        var away = new List<(int, int)>();
        var pinches = new List<(double, double)>();
        for (var y = 1; y < layout.Rows; y++)
            for (var x = 1; x < layout.Columns; x++)
            {
                bool nw = layout.IsWall(y - 1, x - 1), ne = layout.IsWall(y - 1, x), sw = layout.IsWall(y, x - 1), se = layout.IsWall(y, x);
                var walls = (nw ? 1 : 0) + (ne ? 1 : 0) + (sw ? 1 : 0) + (se ? 1 : 0);
                if (walls == 1)
                {
                    corners.Add((x, y));
                    away.Add((nw || sw ? 1 : -1, nw || ne ? 1 : -1));
                }
                if (walls == 2 && nw == se) pinches.Add((x, y));
            }
        _corners = corners.ToArray();
        _awayFromWall = away.ToArray();
        _pinches = pinches.ToArray();
        _walls = WallBoxes(layout);

        var n = _corners.Length;
        _between = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                _between[i, j] = i == j ? 0 : Visible(_corners[i], _corners[j]) ? Length(_corners[i], _corners[j]) : double.PositiveInfinity;
        for (var k = 0; k < n; k++)
            for (var i = 0; i < n; i++)
                for (var j = 0; j < n; j++)
                    _between[i, j] = Math.Min(_between[i, j], _between[i, k] + _between[k, j]);
    }

    /// <summary>Geodesic distance in world units between two free world points (infinity if not connected).</summary>
    public double Distance(double x1, double y1, double x2, double y2) => ToGoal(x2, y2).Distance(x1, y1);

    /// <summary>Straight-line distance in world units.</summary>
    public static double Euclidean(double x1, double y1, double x2, double y2) => Math.Sqrt((x1 - x2) * (x1 - x2) + (y1 - y2) * (y1 - y2));

    /// <summary>Precomputes everything about one goal, so distances from many points to it are cheap.</summary>
    public GoalField ToGoal(double goalX, double goalY)
    {
        var goal = (goalX / _cell, goalY / _cell);
        var viaCorner = new double[_corners.Length];
        for (var i = 0; i < _corners.Length; i++)
        {
            viaCorner[i] = double.PositiveInfinity;
            for (var j = 0; j < _corners.Length; j++)
                if (!double.IsPositiveInfinity(_between[i, j]) && Visible(_corners[j], goal))
                    viaCorner[i] = Math.Min(viaCorner[i], _between[i, j] + Length(_corners[j], goal));
        }
        return new GoalField(this, goal, viaCorner);
    }

    /// <summary>Distances to one goal (world units) and the first waypoint of the shortest path towards it.</summary>
    public sealed class GoalField
    {
        private readonly MazeGeodesic _maze;
        private readonly (double X, double Y) _goal;
        private readonly double[] _viaCorner;

        internal GoalField(MazeGeodesic maze, (double, double) goal, double[] viaCorner)
        {
            _maze = maze;
            _goal = goal;
            _viaCorner = viaCorner;
        }

        public double Distance(double x, double y) => NextWaypoint(x, y).Distance;

        /// <summary>
        /// The shortest path's total length and where to head next: the goal if it is in sight, otherwise the next
        /// corner of the path moved <paramref name="clearance"/> (world units) diagonally away from its wall, so a
        /// follower passes the corner without catching on it. A corner within twice the clearance counts as
        /// reached and the waypoint after it is returned, so a follower never stalls.
        /// </summary>
        public (double Distance, double X, double Y) NextWaypoint(double x, double y, double clearance = 0)
        {
            var c = _maze._cell;
            var best = Waypoint((x / c, y / c), clearance / c, allowReached: true);
            return (best.Distance * c, best.X * c, best.Y * c);
        }

        private (double Distance, double X, double Y) Waypoint((double X, double Y) p, double clearance, bool allowReached)
        {
            if (_maze.Visible(p, _goal)) return (Length(p, _goal), _goal.X, _goal.Y);
            var best = (Distance: double.PositiveInfinity, X: double.NaN, Y: double.NaN);
            for (var i = 0; i < _viaCorner.Length; i++)
            {
                if (double.IsPositiveInfinity(_viaCorner[i])) continue;
                var corner = _maze._corners[i];
                var hop = Length(p, corner);
                var total = hop + _viaCorner[i];
                if (total >= best.Distance) continue;
                var reached = hop < 2 * clearance;
                if (!reached && _maze.Visible(p, corner))
                {
                    var (ax, ay) = _maze._awayFromWall[i];
                    best = (total, corner.X + clearance * ax, corner.Y + clearance * ay);
                }
                else if (reached && allowReached)
                {
                    var after = Waypoint(corner, clearance, allowReached: false);
                    if (!double.IsNaN(after.X)) best = (total, after.X, after.Y);
                }
            }
            return best;
        }
    }

    private static double Length((double X, double Y) a, (double X, double Y) b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));

    /// <summary>Segment a-b (cell units) crosses no wall interior and no diagonal pinch point.</summary>
    private bool Visible((double X, double Y) a, (double X, double Y) b)
    {
        double loX = Math.Min(a.X, b.X), hiX = Math.Max(a.X, b.X), loY = Math.Min(a.Y, b.Y), hiY = Math.Max(a.Y, b.Y);
        foreach (var (x0, y0, x1, y1) in _walls)
        {
            if (x1 <= loX || x0 >= hiX || y1 <= loY || y0 >= hiY) continue;
            if (SegmentEntersBox(a, b, x0, y0, x1, y1)) return false;
        }
        foreach (var pinch in _pinches)
            if (DistanceToSegment(pinch, a, b) < 2 * Tolerance) return false;
        return true;
    }

    /// <summary>
    /// One box per wall cell: shrunk by the tolerance on sides that face free space (grazing allowed), grown by it
    /// on sides shared with another wall, so a path cannot slip along the seam between two walls.
    /// </summary>
    private static (double, double, double, double)[] WallBoxes(MazeLayout layout)
    {
        double Side(bool wallBeyond) => wallBeyond ? -Tolerance : Tolerance;
        var boxes = new List<(double, double, double, double)>();
        for (var r = 0; r < layout.Rows; r++)
            for (var c = 0; c < layout.Columns; c++)
                if (layout.IsWall(r, c))
                    boxes.Add((c + Side(layout.IsWall(r, c - 1)), r + Side(layout.IsWall(r - 1, c)),
                        c + 1 - Side(layout.IsWall(r, c + 1)), r + 1 - Side(layout.IsWall(r + 1, c))));
        return boxes.ToArray();
    }

    /// <summary>Liang-Barsky clipping: does the segment a-b meet the open box?</summary>
    private static bool SegmentEntersBox((double X, double Y) a, (double X, double Y) b, double x0, double y0, double x1, double y1)
    {
        double t0 = 0, t1 = 1, dx = b.X - a.X, dy = b.Y - a.Y;
        foreach (var (p, q) in new[] { (-dx, a.X - x0), (dx, x1 - a.X), (-dy, a.Y - y0), (dy, y1 - a.Y) })
        {
            if (p == 0)
            {
                if (q <= 0) return false;
                continue;
            }
            var r = q / p;
            if (p < 0) t0 = Math.Max(t0, r);
            else t1 = Math.Min(t1, r);
            if (t0 >= t1) return false;
        }
        return true;
    }

    private static double DistanceToSegment((double X, double Y) p, (double X, double Y) a, (double X, double Y) b)
    {
        double dx = b.X - a.X, dy = b.Y - a.Y, len2 = dx * dx + dy * dy;
        var t = len2 == 0 ? 0 : Math.Clamp(((p.X - a.X) * dx + (p.Y - a.Y) * dy) / len2, 0, 1);
        return Length(p, (a.X + t * dx, a.Y + t * dy));
    }
}
