namespace Fathom.Learner.Envs;

/// <summary>
/// The paper's Ant maze layouts, drawn as text (first row is the top): `#` wall, `.` free, `R` start, `G` goal.
/// The `*_eval` variants keep only the far goals, as the paper's evaluation layouts do.
/// </summary>
public static class BuiltInMazes
{
    /// <summary>Built-in layout texts by name.</summary>
    public static IReadOnlyDictionary<string, string> Texts { get; } = new Dictionary<string, string>
    {
        ["u_maze"] = """
            #####
            #RGG#
            ###G#
            #GGG#
            #####
            """,
        ["u4_maze"] = """
            #####
            #GGG#
            #R#G#
            ###G#
            #G#G#
            #GGG#
            #####
            """,
        ["u5_maze"] = """
            ########
            #GGGGGG#
            #R####G#
            ######G#
            #G####G#
            #GGGGGG#
            ########
            """,
        ["big_maze"] = """
            ########
            #RG##GG#
            #GG#GGG#
            ##GGG###
            #GG#GGG#
            #G#GG#G#
            #GGG#GG#
            ########
            """,
        ["hardest_maze"] = """
            ############
            #RGGG#GGGGG#
            #G##G#G#G#G#
            #GGGGGG#GGG#
            #G####G###G#
            #GG#G#GGGGG#
            ##G#G#G#G###
            #GG#GGG#GGG#
            ############
            """,
        ["u_maze_eval"] = """
            #####
            #R..#
            ###.#
            #GGG#
            #####
            """,
        ["u4_maze_eval"] = """
            #####
            #...#
            #R#.#
            ###.#
            #G#.#
            #GGG#
            #####
            """,
        ["u5_maze_eval"] = """
            ########
            #......#
            #R####.#
            ######.#
            #G####G#
            #GGGGGG#
            ########
            """,
    };
}
