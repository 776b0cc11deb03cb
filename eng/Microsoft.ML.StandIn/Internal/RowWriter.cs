using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>Writes the columns of a data row into an object's members (CreateEnumerable, prediction engines).</summary>
internal sealed class RowWriter<TRow>
    where TRow : class
{
    private readonly (PocoColumn Member, DataViewSchema.Column Column)[] _bindings;

    private RowWriter((PocoColumn, DataViewSchema.Column)[] bindings)
    {
        _bindings = bindings;
    }

    public IEnumerable<DataViewSchema.Column> Columns => _bindings.Select(b => b.Column);

    /// <exception cref="ArgumentOutOfRangeException">A member's column is missing (unless ignored) or of a type the
    /// member cannot hold.</exception>
    public static RowWriter<TRow> Bind(DataViewSchema schema, SchemaDefinition? definition, bool ignoreMissingColumns)
    {
        definition ??= SchemaDefinition.Create(typeof(TRow), SchemaDefinition.Direction.Write);
        var bindings = new List<(PocoColumn, DataViewSchema.Column)>();
        foreach (var member in definition)
        {
            string name = string.IsNullOrEmpty(member.ColumnName) ? member.MemberName : member.ColumnName;
            var column = schema.GetColumnOrNull(name);
            if (column == null)
            {
                if (ignoreMissingColumns)
                    continue;
                throw new ArgumentOutOfRangeException(nameof(schema), $"Column '{name}' not found in the data view");
            }
            // The member takes the data's type; it must hold it (vector sizes may differ from a declared [VectorType]
            // only when the member declared none).
            var declared = member.ColumnType;
            if (declared is VectorDataViewType { IsKnownSize: true } dv && column.Value.Type is VectorDataViewType cv && cv.Size != dv.Size)
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"Column '{name}' has vector size {cv.Size}, but member {member.MemberName} declares size {dv.Size}.");
            var actual = new SchemaDefinition.Column { MemberName = member.MemberName, ColumnName = name, ColumnType = column.Value.Type };
            try
            {
                bindings.Add((new PocoColumn(typeof(TRow), actual), column.Value));
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"Can't bind the IDataView column '{name}' of type '{column.Value.Type}' to field or property '{member.MemberName}' ({ex.Message})");
            }
        }
        return new RowWriter<TRow>(bindings.ToArray());
    }

    public Action<TRow> MakeWriter(DataViewRow row)
    {
        var setters = _bindings.Select(b => b.Member.MakeSetter(row, row.Schema[b.Column.Index])).ToArray();
        return target =>
        {
            foreach (var set in setters)
                set(target);
        };
    }
}
