using System.Globalization;
using System.Text;
using Fathom.Grains.Specs;

namespace Fathom.Client.Running;

/// <summary>
/// Writes a spec back as YAML in the loader's own format (every field explicit), so results/&lt;run&gt;/spec.yaml
/// is exactly what ran, including a sweep's depth and seed, and <c>fathom resume</c> or
/// <c>fathom run results/&lt;run&gt;/spec.yaml</c> reads it back unchanged. Choices are spelled by <see cref="SpecNames"/>,
/// the loader's own table; a test checks that <see cref="SpecLoader.FieldsLeftOut"/> finds no field left out.
/// </summary>
public static class SpecYaml
{
    public static string Write(ExperimentSpec spec)
    {
        var y = new StringBuilder();
        y.AppendLine($"seed: {spec.Seed}");
        y.AppendLine("environment:");
        y.AppendLine($"  kind: {spec.Environment.Kind}");
        y.AppendLine($"  train_layout: {Text(spec.Environment.TrainLayout)}");
        y.AppendLine($"  eval_layout: {Text(spec.Environment.EvalLayout)}");
        y.AppendLine($"  episode_length: {spec.Environment.EpisodeLength}");
        y.AppendLine("budget:");
        y.AppendLine($"  env_steps: {spec.BudgetEnvSteps}");
        y.AppendLine("collectors:");
        foreach (var c in spec.Collectors)
        {
            y.AppendLine($"  - count: {c.Count}");
            y.AppendLine($"    envs: {c.Envs}");
            y.AppendLine($"    behaviour: {Text(c.Behaviour)}");
            y.AppendLine($"    weight_refresh_steps: {c.WeightRefreshSteps}");
            y.AppendLine(Device(c.Device));
        }
        y.AppendLine("learners:");
        foreach (var l in spec.Learners)
        {
            y.AppendLine($"  - name: {Text(l.Name)}");
            y.AppendLine($"    role: {SpecNames.Role.Name(l.Role)}");
            y.AppendLine($"    actor: {{ depth: {l.Actor.Depth}, width: {l.Actor.Width} }}");
            y.AppendLine($"    critic: {{ depth: {l.Critic.Depth}, width: {l.Critic.Width} }}");
            y.AppendLine($"    batch: {l.Batch}");
            y.AppendLine($"    learning_rate: {Number(l.LearningRate)}");
            y.AppendLine($"    samples_per_insert: {Number(l.SamplesPerInsert)}");
            y.AppendLine($"    ablations: {{ layer_norm: {Bool(l.Ablations.LayerNorm)}, swish: {Bool(l.Ablations.Swish)}, residual: {Bool(l.Ablations.Residual)} }}");
            y.AppendLine($"    gamma: {Number(l.Gamma)}");
            y.AppendLine($"    energy: {SpecNames.Energy.Name(l.Energy)}");
            y.AppendLine($"    contrastive_loss: {SpecNames.ContrastiveLoss.Name(l.ContrastiveLoss)}");
            y.AppendLine($"    logsumexp_penalty: {Number(l.LogSumExpPenalty)}");
            y.AppendLine($"    repr_dim: {l.ReprDim}");
            y.AppendLine($"    target_entropy_per_action_dim: {Number(l.TargetEntropyPerActionDim)}");
            y.AppendLine(l.ErrorBuffer is { } buffer ? $"    rate_limiter_error_buffer: {Number(buffer)}"
                : $"    # rate_limiter_error_buffer: left out, so batch + samples_per_insert * episode_length = {Number(l.RateLimiterErrorBuffer(spec.Environment.EpisodeLength))}");
            y.AppendLine(Device(l.Device));
        }
        y.AppendLine("replay:");
        y.AppendLine($"  shards: {spec.Replay.Shards}");
        y.AppendLine($"  capacity: {spec.Replay.CapacityTransitions}");
        y.AppendLine($"  min_transitions: {spec.Replay.MinTransitions}");
        y.AppendLine("evaluation:");
        y.AppendLine($"  period_updates: {spec.Evaluation.PeriodUpdates}");
        y.AppendLine($"  episodes: {spec.Evaluation.Episodes}");
        y.AppendLine("checkpoint:");
        y.AppendLine($"  period_updates: {spec.CheckpointPeriodUpdates}");
        return y.ToString();
    }

    /// <summary>Layout paths and names may hold YAML-significant characters: always quote them.</summary>
    static string Text(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    static string Bool(bool value) => value ? "true" : "false";

    /// <summary>A device left out means "the silo's FATHOM_DEVICE", which no value spells: it stays out, said in a comment.</summary>
    static string Device(string? device) => device is null ? "    # device: left out, so each silo's FATHOM_DEVICE" : $"    device: {Text(device)}";
}
