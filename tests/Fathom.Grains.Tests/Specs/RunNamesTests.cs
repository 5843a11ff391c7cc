using Fathom.Grains.Specs;
using Fathom.Grains.Stores;

namespace Fathom.Grains.Tests.Specs;

public sealed class RunNamesTests
{
    private static readonly DateTime Start = new(2026, 11, 25, 16, 48, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("quickstart-20261125-164800")]
    [InlineData("a")]
    [InlineData("sweep-x.d64-s2.resume3")]
    [InlineData("A_b-9")]
    public void Plain_names_are_valid(string name) => Assert.True(RunNames.IsValid(name), name);

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("a*")]
    [InlineData("a?b")]
    [InlineData("a[b]")]
    [InlineData("-run")]
    [InlineData("_run")]
    [InlineData("my run")]
    [InlineData("läuft")]
    public void Names_that_could_escape_a_folder_or_widen_a_key_pattern_are_invalid(string? name) => Assert.False(RunNames.IsValid(name), name);

    [Fact]
    public void The_length_limit_is_64()
    {
        Assert.True(RunNames.IsValid(new string('a', RunNames.MaxLength)));
        Assert.False(RunNames.IsValid(new string('a', RunNames.MaxLength + 1)));
    }

    [Fact]
    public void A_default_name_is_the_spec_name_and_the_start_time()
    {
        Assert.Equal("my-spec-20261125-164800", RunNames.Default("my spec", Start));
        Assert.Equal("quickstart-20261125-164800", RunNames.Default("quickstart", Start));
        Assert.Equal("my-spec-20261125-164800", RunNames.Default("my.spec", Start)); // a dot would read as a sweep run or segment
    }

    [Theory]
    [InlineData("//")]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../../etc/passwd")]
    [InlineData("*")]
    [InlineData("-_-")]
    [InlineData("spec with spaces and ünïcödé and a very long name that goes on and on and on and on and on")]
    [InlineData("\u0000\n\t")]
    public void A_default_name_from_a_hostile_spec_name_is_valid_and_leaves_room_for_sweep_runs_and_segments(string specName)
    {
        var name = RunNames.Default(specName, Start);
        Assert.True(RunNames.IsValid(name), name);
        Assert.True(RunNames.IsValid($"{name}.d1024-s99.resume99"), name);
        Assert.EndsWith("-20261125-164800", name);
    }

    [Fact]
    public void An_invalid_name_is_refused_with_the_rule_in_the_message()
    {
        var error = Assert.Throws<ArgumentException>(() => RunNames.ThrowIfInvalid("a*", "run"));
        Assert.Contains("run name must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'", error.Message);
        Assert.Contains("(got 'a*')", error.Message);
        Assert.Equal("ok-1", RunNames.ThrowIfInvalid("ok-1", "run"));
    }

    [Fact]
    public void Store_key_patterns_refuse_a_name_with_glob_characters()
    {
        // "*" as a run would make `fathom delete` match every run's keys.
        Assert.Throws<ArgumentException>(() => RunKeys.Patterns("svc", "*"));
        Assert.All(RunKeys.Patterns("svc", "run-1"), pattern => Assert.Contains("run-1", pattern));
    }
}
