using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>The exceptions ML.NET throws for schema problems (ArgumentOutOfRangeException naming the column).</summary>
internal static class SchemaErrors
{
    public static ArgumentOutOfRangeException Missing(string parameter, string columnName)
        => new ArgumentOutOfRangeException(parameter, $"Could not find input column '{columnName}'");

    public static ArgumentOutOfRangeException Mismatch(string parameter, string columnName, object? expected, object? actual)
        => new ArgumentOutOfRangeException(parameter, $"Schema mismatch for input column '{columnName}': expected {expected}, got {actual}");

    public static DataViewSchema.Column Find(DataViewSchema schema, string columnName, string parameter = "inputSchema")
        => schema.GetColumnOrNull(columnName) ?? throw Missing(parameter, columnName);

    public static SchemaShape.Column Find(SchemaShape shape, string columnName, string parameter = "inputSchema")
        => shape.TryFindColumn(columnName, out var column) ? column : throw Missing(parameter, columnName);

    public static void CheckName(string? name, string parameter)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A column name must be a non-empty string.", parameter);
    }
}

/// <summary>A <see cref="ColumnMapping"/> whose getters and dependencies are given as functions.</summary>
internal sealed class DelegateColumnMapping : ColumnMapping
{
    private readonly Func<DataViewRow, int, Delegate> _makeGetter;
    private readonly Func<int, IEnumerable<int>> _dependencies;

    public DelegateColumnMapping(DataViewSchema inputSchema, IReadOnlyList<DataViewSchema.DetachedColumn> added,
        Func<DataViewRow, int, Delegate> makeGetter, Func<int, IEnumerable<int>> dependencies)
        : base(inputSchema, added)
    {
        _makeGetter = makeGetter;
        _dependencies = dependencies;
    }

    public override Delegate MakeGetter(DataViewRow input, int added) => _makeGetter(input, added);

    public override IEnumerable<int> Dependencies(int added) => _dependencies(added);
}

/// <summary>Invokes a generic method for a run-time type argument, rethrowing the inner exception unwrapped.</summary>
internal static class Generic
{
    public static object? Invoke(Type owner, object? target, string method, Type[] typeArguments, params object?[] args)
    {
        var info = owner.GetMethod(method, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public
            | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance)
            ?? throw new MissingMethodException(owner.Name, method);
        try
        {
            return info.MakeGenericMethod(typeArguments).Invoke(target, args);
        }
        catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
