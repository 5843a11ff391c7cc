namespace Fathom.Learner.Nets;

/// <summary>The nonlinearity after every LayerNorm. Swish is the paper's; ReLU is the ablation that scales worse.</summary>
public enum Activation
{
    Swish,
    ReLU,
}
