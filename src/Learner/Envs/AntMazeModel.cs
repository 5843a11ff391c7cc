using System.Globalization;
using System.Text;

namespace Fathom.Learner.Envs;

/// <summary>
/// The MJCF model of an Ant in a maze, built from a <see cref="MazeLayout"/>. The Ant is Gymnasium's Ant-v4 body
/// (ant.xml: a 0.25 m sphere torso on a free joint, four legs of two capsules with a hip joint of +-30 degrees about z
/// and an ankle joint of 30-70 degrees, joint armature 1 and damping 1, geom density 5, friction 1 / 0.5 / 0.5,
/// margin 0.01, 8 motors with control range [-1, 1] and gear 150). Walls are static boxes, one per `#` cell, a cell
/// wide and <see cref="AntMazeSettings.WallHeight"/> tall, colliding with every Ant geom (JaxGCRL's make_maze).
/// World x-y follow <see cref="MazeLayout"/>: cell (row, col) spans x in [col, col+1) and y in [row, row+1) cells,
/// as in PointMaze, so the same geodesic tables apply (JaxGCRL puts cell centres at (row, col) times the cell
/// size: a mirror image and a shift of the same maze). No integrator is named, so MuJoCo's default Euler is used
/// as in JaxGCRL's ant_maze.xml (Gymnasium picks RK4, four times the cost per step).
/// </summary>
public static class AntMazeModel
{
    /// <summary>Body whose position is the goal-compared x-y and whose height decides health.</summary>
    public const string TorsoBody = "torso";

    /// <summary>qpos of the free joint (3 position, 4 quaternion) and of the 8 leg hinges.</summary>
    public const int Nq = 15;
    /// <summary>qvel of the free joint (6) and of the 8 leg hinges.</summary>
    public const int Nv = 14;
    /// <summary>Motors, one per leg hinge.</summary>
    public const int Nu = 8;

    /// <summary>
    /// The start pose around which resets draw noise (Brax and JaxGCRL's init_qpos): torso 0.55 m high and upright,
    /// hips straight, ankles bent 1 rad so that the feet stand on the floor inside the ankles' ranges. x-y are
    /// replaced by the start cell's centre.
    /// </summary>
    public static ReadOnlySpan<double> InitialQpos => [0, 0, 0.55, 1, 0, 0, 0, 0, 1, 0, -1, 0, -1, 0, 1];

    /// <summary>Torque of a motor at control 1 (Gymnasium Ant-v4's gear).</summary>
    public const int Gear = 150;

    /// <summary>The model's MJCF text.</summary>
    public static string Xml(MazeLayout layout, AntMazeSettings settings)
    {
        var cell = settings.CellSize;
        var text = new StringBuilder();
        text.Append(Invariant($"""
            <mujoco model="ant_maze_{Escape(layout.Name)}">
              <compiler angle="degree" inertiafromgeom="true"/>
              <option timestep="{settings.Timestep}"/>
              <default>
                <joint armature="1" damping="1" limited="true"/>
                <geom conaffinity="0" condim="3" density="5.0" friction="1 0.5 0.5" margin="0.01"/>
              </default>
              <worldbody>
                <geom name="floor" type="plane" conaffinity="1" pos="{layout.Columns * cell / 2} {layout.Rows * cell / 2} 0" size="{layout.Columns * cell / 2} {layout.Rows * cell / 2} 1"/>

            """));
        for (var row = 0; row < layout.Rows; row++)
            for (var col = 0; col < layout.Columns; col++)
                if (layout.IsWall(row, col))
                    text.Append(Invariant($"""
                            <geom name="wall_{row}_{col}" type="box" conaffinity="1" pos="{(col + 0.5f) * cell} {(row + 0.5f) * cell} {settings.WallHeight / 2}" size="{cell / 2} {cell / 2} {settings.WallHeight / 2}"/>

                        """));
        text.Append("""
                <body name="torso" pos="0 0 0.75">
                  <geom name="torso_geom" pos="0 0 0" size="0.25" type="sphere"/>
                  <joint armature="0" damping="0" limited="false" margin="0.01" name="root" pos="0 0 0" type="free"/>

            """);
        for (var leg = 0; leg < Legs.Length; leg++) AppendLeg(text, leg + 1, Legs[leg]);
        text.Append("""
                </body>
              </worldbody>
              <actuator>

            """);
        // Gymnasium's motor order: back-right leg first, then legs 1 to 3; hip before ankle.
        foreach (var leg in (int[])[4, 1, 2, 3])
            foreach (var joint in (string[])["hip", "ankle"])
                text.Append($"""
                        <motor ctrllimited="true" ctrlrange="-1.0 1.0" joint="{joint}_{leg}" gear="{Gear}"/>

                    """);
        text.Append("""
              </actuator>
            </mujoco>
            """);
        return text.ToString();
    }

    /// <summary>
    /// Gymnasium's four legs in body order (front left, front right, back left, back right): the leg's horizontal
    /// direction (x, y signs), its ankle axis and its ankle range in degrees. Each leg is a 0.28 m hip link, a 0.28 m
    /// thigh on the hip hinge and a 0.57 m shin on the ankle hinge (capsules of radius 0.08).
    /// </summary>
    private static readonly (int X, int Y, string AnkleAxis, string AnkleRange)[] Legs =
        [(1, 1, "-1 1 0", "30 70"), (-1, 1, "1 1 0", "-70 -30"), (-1, -1, "-1 1 0", "-70 -30"), (1, -1, "1 1 0", "30 70")];

    private static void AppendLeg(StringBuilder text, int k, (int X, int Y, string AnkleAxis, string AnkleRange) leg)
    {
        string Point(double length) => Invariant($"{leg.X * length} {leg.Y * length} 0");
        text.Append($"""
                  <body name="leg_{k}" pos="0 0 0">
                    <geom fromto="0 0 0 {Point(0.2)}" name="hip_{k}_geom" size="0.08" type="capsule"/>
                    <body name="aux_{k}" pos="{Point(0.2)}">
                      <joint axis="0 0 1" name="hip_{k}" pos="0 0 0" range="-30 30" type="hinge"/>
                      <geom fromto="0 0 0 {Point(0.2)}" name="thigh_{k}_geom" size="0.08" type="capsule"/>
                      <body name="shin_{k}" pos="{Point(0.2)}">
                        <joint axis="{leg.AnkleAxis}" name="ankle_{k}" pos="0 0 0" range="{leg.AnkleRange}" type="hinge"/>
                        <geom fromto="0 0 0 {Point(0.4)}" name="shin_{k}_geom" size="0.08" type="capsule"/>
                      </body>
                    </body>
                  </body>

            """);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray());
}
