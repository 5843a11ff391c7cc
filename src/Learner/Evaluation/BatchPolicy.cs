using static TorchSharp.torch;

namespace Fathom.Learner.Evaluation;

/// <summary>A batched policy: states [N, S] and goals [N, G] to actions [N, A] in [-1, 1].</summary>
public delegate Tensor BatchPolicy(Tensor states, Tensor goals);

/// <summary>A batched critic: Q(states [N, S], actions [N, A], goals [N, G]) to [N]; higher means closer to the goal.</summary>
public delegate Tensor BatchCritic(Tensor states, Tensor actions, Tensor goals);
