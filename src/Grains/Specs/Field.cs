namespace Fathom.Grains.Specs;

/// <summary>Shorthands that declare the fields of a spec record <typeparamref name="T"/> in <see cref="SpecSchema"/>, one line each.</summary>
internal static class Field<T>
{
    public static ISpecField<T> Int(string name, Func<T, int> get, Func<T, int, T> set, int fallback, SpecRule<int> rule, string doc, string? note = null) =>
        new ScalarField<T, int>(name, SpecKinds.Int, get, set, fallback, doc) { Rule = rule, Note = note };

    public static ISpecField<T> Long(string name, Func<T, long> get, Func<T, long, T> set, long fallback, SpecRule<long> rule, string doc, bool required = false) =>
        new ScalarField<T, long>(name, SpecKinds.Long, get, set, fallback, doc) { Rule = rule, Required = required };

    public static ISpecField<T> Number(string name, Func<T, double> get, Func<T, double, T> set, double fallback, SpecRule<double>? rule, string doc, string? note = null) =>
        new ScalarField<T, double>(name, SpecKinds.Number, get, set, fallback, doc) { Rule = rule, Note = note };

    /// <summary>A number that may be left out (null); the writer then says in a comment what <paramref name="leftOut"/> applies instead.</summary>
    public static ISpecField<T> OptionalNumber(string name, Func<T, double?> get, Func<T, double?, T> set, Func<T, ExperimentSpec, string> leftOut, string doc) =>
        new ScalarField<T, double?>(name, SpecKinds.OptionalNumber, get, set, null, doc) { LeftOut = leftOut };

    /// <summary>
    /// An integer that may be left out (null) when another field stands in for it (see <see cref="OneOf"/>); the writer
    /// then says in a comment what <paramref name="leftOut"/> applies instead. Absent from a document, it reads as <paramref name="fallback"/>.
    /// </summary>
    public static ISpecField<T> OptionalInt(string name, Func<T, int?> get, Func<T, int?, T> set, int? fallback, SpecRule<int?> rule,
        Func<T, ExperimentSpec, string> leftOut, string doc) =>
        new ScalarField<T, int?>(name, SpecKinds.OptionalInt, get, set, fallback, doc) { Rule = rule, LeftOut = leftOut };

    /// <summary>Two alternative fields of which a record gives exactly one (see <see cref="OneOfField{T}"/>).</summary>
    public static ISpecField<T> OneOf(ISpecField<T> usual, ISpecField<T> alternative, Func<T, bool> takesAlternative, Func<string, string, string> bothGiven) =>
        new OneOfField<T>(usual, alternative, takesAlternative, bothGiven);

    public static ISpecField<T> Bool(string name, Func<T, bool> get, Func<T, bool, T> set, bool fallback, string doc) =>
        new ScalarField<T, bool>(name, SpecKinds.Bool, get, set, fallback, doc);

    public static ISpecField<T> Choice<E>(string name, SpecChoice<E> names, Func<T, E> get, Func<T, E, T> set, E fallback, string doc) where E : struct, Enum =>
        new ScalarField<T, E>(name, SpecKinds.Choice(names), get, set, fallback, doc);

    /// <summary>Text with a default of <paramref name="fallback"/>, or required when that is null.</summary>
    public static ISpecField<T> Text(string name, Func<T, string> get, Func<T, string, T> set, string? fallback, SpecRule<string>? rule, string doc) =>
        new ScalarField<T, string>(name, SpecKinds.Text, get, set, fallback ?? "", doc) { Rule = rule, Required = fallback is null };

    /// <summary>Text that may be left out (null), meaning <paramref name="leftOut"/>, which the writer says in a comment.</summary>
    public static ISpecField<T> OptionalText(string name, Func<T, string?> get, Func<T, string?, T> set, SpecRule<string?> rule, string leftOut, string doc) =>
        new ScalarField<T, string?>(name, SpecKinds.OptionalText, get, set, null, doc) { Rule = rule, LeftOut = (_, _) => leftOut };

    /// <summary>A nested record, read from <paramref name="blank"/> by its own <paramref name="fields"/>.</summary>
    public static ISpecField<T> Section<C>(string name, Func<T, C> get, Func<T, C, T> set, C blank, ISpecField<C>[] fields, string doc, bool required = false) =>
        new SectionField<T, C>(name, get, set, _ => blank, fields, doc) { Required = required };

    /// <summary>A YAML section whose fields belong to the record itself (budget.env_steps is ExperimentSpec.BudgetEnvSteps).</summary>
    public static ISpecField<T> Group(string name, ISpecField<T>[] fields, string doc, bool required = false) =>
        new SectionField<T, T>(name, record => record, (_, value) => value, record => record, fields, doc) { Required = required };

    /// <summary>A required, non-empty list of records, each read from <paramref name="blank"/>; <paramref name="item"/> names one in an error.</summary>
    public static ISpecField<T> List<I>(string name, Func<T, I[]> get, Func<T, I[], T> set, I blank, ISpecField<I>[] fields, string item, string doc) =>
        new ListField<T, I>(name, get, set, blank, fields, item, doc) { Required = true };
}
