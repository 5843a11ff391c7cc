using static TorchSharp.torch;

namespace Fathom.Learner.Envs;

/// <summary>
/// A goal env whose agent moves through a grid maze (PointMaze, AntMaze): the layout, its cell size and exact
/// geodesic distances, and the states an agent would have at given positions, which is what evaluation and the
/// topology probe need beyond <see cref="IGoalEnv"/>.
/// </summary>
public interface IMazeEnv : IGoalEnv
{
    MazeLayout Layout { get; }

    /// <summary>Side of one maze cell in world units.</summary>
    float CellSize { get; }

    /// <summary>Exact shortest-path distances in this maze, in world units.</summary>
    MazeGeodesic Geodesic { get; }

    /// <summary>States [N, S] of an agent at rest at positions [N, 2]: how the topology probe places it.</summary>
    Tensor StatesAt(Tensor positions);
}
