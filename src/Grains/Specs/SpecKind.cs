using System.Globalization;
using System.Numerics;

namespace Fathom.Grains.Specs;

/// <summary>
/// How one kind of spec value is read from a scalar, written back, and shown in an error, and what any value of the
/// kind must be (a number is finite, a choice is one of its names) whatever the field's own rule.
/// </summary>
internal abstract class SpecKind<V>
{
    /// <summary>What every value of this kind is, as an error says it: "an integer", "one of a, b".</summary>
    public abstract string Type { get; }

    public abstract bool TryParse(string text, out V value);

    /// <summary>The value as the spec writer spells it, so that <see cref="TryParse"/> reads back exactly this value.</summary>
    public abstract string Write(V value);

    /// <summary>Whether a value (perhaps built in code) is one of this kind's.</summary>
    public virtual bool IsValid(V value) => true;

    /// <summary>The value as an error shows it after "got".</summary>
    public virtual string Show(V value) => Write(value);

    /// <summary>What a scalar that does not parse must be: the type; integers say their field's whole range.</summary>
    public virtual string Expected(string? allowed) => Type;
}

/// <summary>The kinds of spec values.</summary>
internal static class SpecKinds
{
    public static SpecKind<int> Int { get; } = new IntegerKind<int>(v => checked((int)v));
    public static SpecKind<long> Long { get; } = new IntegerKind<long>(v => v);
    public static SpecKind<int?> OptionalInt { get; } = new OptionalIntKind();
    public static SpecKind<double> Number { get; } = new NumberKind();
    public static SpecKind<double?> OptionalNumber { get; } = new OptionalNumberKind();
    public static SpecKind<bool> Bool { get; } = new BoolKind();
    public static SpecKind<string> Text { get; } = new TextKind();
    public static SpecKind<string?> OptionalText { get; } = new OptionalTextKind();

    public static SpecKind<T> Choice<T>(SpecChoice<T> names) where T : struct, Enum => new ChoiceKind<T>(names);

    /// <summary>A number as the writer spells it: shortest round-trip form, invariant culture.</summary>
    public static string Spell(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Integers may group digits with '_' (1_000_000), as YAML 1.1 does.</summary>
    private sealed class IntegerKind<V>(Func<long, V> narrow) : SpecKind<V> where V : struct, IBinaryInteger<V>
    {
        public override string Type => "an integer";

        public override bool TryParse(string text, out V value)
        {
            value = default;
            if (!long.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var wide)) return false;
            try
            {
                value = narrow(wide);
                return true;
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        public override string Write(V value) => value.ToString(null, CultureInfo.InvariantCulture);

        public override string Expected(string? allowed) => allowed ?? Type;
    }

    /// <summary>An integer a spec may leave out (null); the field then says in a comment what applies instead.</summary>
    private sealed class OptionalIntKind : SpecKind<int?>
    {
        public override string Type => Int.Type;

        public override bool TryParse(string text, out int? value)
        {
            value = Int.TryParse(text, out var number) ? number : null;
            return value is not null;
        }

        public override string Write(int? value) => value is { } number ? Int.Write(number) : "null";

        public override string Expected(string? allowed) => allowed ?? Type;
    }

    private sealed class NumberKind : SpecKind<double>
    {
        public override string Type => "a finite number";

        public override bool TryParse(string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

        public override string Write(double value) => Spell(value);

        public override bool IsValid(double value) => double.IsFinite(value);
    }

    /// <summary>A number a spec may leave out (null); the field then says in a comment what applies instead.</summary>
    private sealed class OptionalNumberKind : SpecKind<double?>
    {
        public override string Type => Number.Type;

        public override bool TryParse(string text, out double? value)
        {
            value = Number.TryParse(text, out var number) ? number : null;
            return value is not null;
        }

        public override string Write(double? value) => value is { } number ? Spell(number) : "null";

        public override bool IsValid(double? value) => value is not { } number || double.IsFinite(number);
    }

    private sealed class BoolKind : SpecKind<bool>
    {
        public override string Type => "true or false";

        public override bool TryParse(string text, out bool value) => bool.TryParse(text, out value);

        public override string Write(bool value) => value ? "true" : "false";
    }

    /// <summary>Text is always written quoted (layout paths and names may hold YAML-significant characters) and shown quoted.</summary>
    private sealed class TextKind : SpecKind<string>
    {
        public override string Type => "a text value";

        public override bool TryParse(string text, out string value)
        {
            value = text;
            return true;
        }

        public override string Write(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r") + "\"";

        public override string Show(string value) => $"'{value}'";
    }

    private sealed class OptionalTextKind : SpecKind<string?>
    {
        public override string Type => Text.Type;

        public override bool TryParse(string text, out string? value)
        {
            value = text;
            return true;
        }

        public override string Write(string? value) => Text.Write(value ?? "");

        public override string Show(string? value) => $"'{value}'";
    }

    /// <summary>An enum spelled by its <see cref="SpecChoice{T}"/> names; a number no member has (built in code) is invalid.</summary>
    private sealed class ChoiceKind<T>(SpecChoice<T> names) : SpecKind<T> where T : struct, Enum
    {
        public override string Type => $"one of {names.Allowed}";

        public override bool TryParse(string text, out T value) => names.TryParse(text, out value);

        public override string Write(T value) => names.Name(value);

        public override bool IsValid(T value) => names.IsDefined(value);

        public override string Show(T value) => names.IsDefined(value) ? names.Name(value) : value.ToString();
    }
}

/// <summary>A field's own rule beyond its kind, and the words an error uses for what it allows.</summary>
internal sealed record SpecRule<V>(Func<V, bool> Allows, string Allowed);

/// <summary>The common rules: integer and number ranges, spelled the same way in every error.</summary>
internal static class SpecRules
{
    public static SpecRule<int> Between(int min, int max) => new(v => v >= min && v <= max, IntegerText(min, max));

    public static SpecRule<long> Between(long min, long max) => new(v => v >= min && v <= max, IntegerText(min, max));

    /// <summary>A number in [min, max], or (min, max] when <paramref name="openMin"/>.</summary>
    public static SpecRule<double> Between(double min, double max, bool openMin = false) =>
        new(v => (openMin ? v > min : v >= min) && v <= max, $"a number in {(openMin ? "(" : "[")}{SpecKinds.Spell(min)}, {SpecKinds.Spell(max)}]");

    /// <summary>A rule for a value that may be left out (null): null passes, anything else meets <paramref name="rule"/>.</summary>
    public static SpecRule<int?> OrLeftOut(SpecRule<int> rule) => new(v => v is not { } n || rule.Allows(n), rule.Allowed);

    public static SpecRule<double> AtLeast(double min) => new(v => v >= min, $"a finite number >= {SpecKinds.Spell(min)}");

    private static string IntegerText(long min, long max) =>
        max is int.MaxValue or long.MaxValue && min == 1 ? "a positive integer" : $"an integer in [{min}, {max}]";
}
