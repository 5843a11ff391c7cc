using System.Text.Json;
using System.Text.RegularExpressions;
using Fathom.Grains.Specs;
using Fathom.Grains.Workers;

namespace Fathom.Client.Tests;

/// <summary>`fathom validate` as a user runs it: every preset passes with a summary, bad specs are refused in a line naming the field.</summary>
public class ValidateTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static TheoryData<string> PresetNames => new(Presets.Names);

    [Theory]
    [MemberData(nameof(PresetNames))]
    public async Task Validate_EveryPreset_ExitsZero_NamingEachLearner_AndStartsNothing(string preset)
    {
        var folder = ScratchFolder.Create("fathom-validate");
        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, Timeout, "validate", preset);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"{preset}: valid", stdout);
        foreach (var learner in Presets.Load(preset).Learners)
            Assert.Matches(new Regex($@"^  {Regex.Escape(learner.Name)} \({learner.Role.ToString().ToLowerInvariant()}, {SpecNames.Algorithm.Name(learner.Algorithm)}\): actor depth {learner.Actor.Depth} x width {learner.Actor.Width} .* batch {learner.Batch}",
                RegexOptions.Multiline), stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder)); // no results folder, no spec written
    }

    [Fact]
    public async Task Validate_Json_GivesTheValidatorsParameterCounts_AndTheReplayBytes()
    {
        var (code, stdout, stderr) = await FathomProcess.RunAsync(ScratchFolder.Create("fathom-validate"), Timeout, "validate", "--json", "collector-vs-learner");
        Assert.True(code == 0, stderr);

        var spec = Presets.Load("collector-vs-learner");
        var layout = EnvironmentFactory.Layout(spec.Environment);
        using var json = JsonDocument.Parse(stdout);
        var learners = json.RootElement.GetProperty("learners").EnumerateArray().ToArray();
        Assert.Equal(spec.Learners.Select(l => l.Name), learners.Select(l => l.GetProperty("name").GetString()));
        foreach (var (learner, row) in spec.Learners.Zip(learners))
        {
            var (actor, critic, bytes) = SpecValidator.LearnerNetworks(learner, layout);
            Assert.Equal(actor, row.GetProperty("actor_parameters").GetInt64());
            Assert.Equal(critic, row.GetProperty("critic_parameters").GetInt64());
            Assert.Equal(bytes, row.GetProperty("network_bytes").GetInt64());
            Assert.Equal(SpecNames.Algorithm.Name(learner.Algorithm), row.GetProperty("algorithm").GetString());
        }
        // Deeper networks have more parameters: the counts follow the spec, not a constant.
        Assert.True(learners[1].GetProperty("actor_parameters").GetInt64() > learners[2].GetProperty("actor_parameters").GetInt64());
        var replay = json.RootElement.GetProperty("replay");
        Assert.Equal(spec.Replay.CapacityTransitions, replay.GetProperty("capacity_transitions").GetInt64());
        Assert.True(replay.GetProperty("bytes").GetInt64() >= spec.Replay.CapacityTransitions * replay.GetProperty("bytes_per_transition").GetInt64());
        Assert.Equal(spec.Collectors.Sum(c => c.Count), json.RootElement.GetProperty("collectors").EnumerateArray().Sum(c => c.GetProperty("count").GetInt32()));
    }

    /// <summary>A bad spec: its file name, its text (null: no file at all) and the field the refusal must name.</summary>
    public static TheoryData<string, string?, string> BadSpecs()
    {
        var good = TinySpec.Yaml(4000);
        string Yaml(string find, string replace)
        {
            Assert.Contains(find, good);
            return good.Replace(find, replace);
        }
        const string json = """{ "seed": 1, "seed": 2, "budget": { "env_steps": 4000 } }""";
        return new()
        {
            // episode_length 2000 with capacity 1000 (above min_transitions 640 and the batch): no room for one episode.
            { "episode-beyond-capacity.yaml", Yaml("capacity: 100000", "capacity: 1000").Replace("episode_length: 20", "episode_length: 2000"), "replay.capacity" },
            { "budget-below-min.yaml", Yaml("env_steps: 4000", "env_steps: 100"), "budget.env_steps" },
            { "too-deep.yaml", Yaml("actor: { depth: 8, width: 32 }", "actor: { depth: 4096, width: 16384 }"), "learners[0]" },
            { "duplicate-key.json", json, "seed" },
            { "duplicate-key.yaml", Yaml("seed: 3", "seed: 3\nseed: 4"), "seed" },
            { "two-documents.yaml", good + "\n---\nseed: 5\n", "(document)" },
            { "missing.yaml", null, "spec" },
            { "unknown-field.yaml", Yaml("batch: 32\n  - name: shallow", "batch: 32\n    colour: red\n  - name: shallow"), "learners[0].colour" },
            { "wrong-type.yaml", Yaml("batch: 32\n  - name: shallow", "batch: lots\n  - name: shallow"), "learners[0].batch" },
            { "too-many-envs.yaml", Yaml("envs: 16", "envs: 1048576").Replace("episode_length: 20", "episode_length: 100000"), "collectors[0].envs" },
        };
    }

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task Validate_BadSpec_ExitsTwo_NamingTheField_WithoutAStackTrace(string file, string? text, string field)
    {
        var folder = ScratchFolder.Create("fathom-validate");
        var path = Path.Combine(folder, file);
        if (text is not null) await File.WriteAllTextAsync(path, text);

        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, Timeout, "validate", path);

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"{field}:", stderr);
        Assert.DoesNotContain("valid;", stdout);
        NoStackTrace.Assert(stdout + stderr);
    }

    [Fact]
    public async Task Validate_PrintsTheSameRefusalAsRun()
    {
        var (folder, path) = TinySpec.Write("bad", 100); // budget below min_transitions
        var validate = await FathomProcess.RunAsync(folder, Timeout, "validate", path);
        var run = await FathomProcess.RunAsync(folder, Timeout, "run", path, "--results", Path.Combine(folder, "results"));
        Assert.Equal((2, 2), (validate.ExitCode, run.ExitCode));
        Assert.Contains("budget.env_steps", validate.Stderr);
        Assert.Equal(run.Stderr, validate.Stderr);
    }
}
