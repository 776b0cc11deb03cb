using Microsoft.ML.Data;
using Microsoft.ML.Internal;

namespace Microsoft.ML.Transforms;

/// <summary>Estimator of <see cref="ColumnConcatenatingTransformer"/> (trivial: nothing to learn).</summary>
public sealed class ColumnConcatenatingEstimator : IEstimator<ColumnConcatenatingTransformer>
{
    private readonly string _output;
    private readonly string[] _inputs;

    internal ColumnConcatenatingEstimator(string outputColumnName, params string[] inputColumnNames)
    {
        SchemaErrors.CheckName(outputColumnName, nameof(outputColumnName));
        if (inputColumnNames == null || inputColumnNames.Length == 0)
            throw new ArgumentException("At least one input column is required.", nameof(inputColumnNames));
        foreach (var name in inputColumnNames)
            SchemaErrors.CheckName(name, nameof(inputColumnNames));
        _output = outputColumnName;
        _inputs = inputColumnNames.ToArray();
    }

    /// <summary>Returns the concatenating transformer after checking the input schema.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or the item types differ.</exception>
    public ColumnConcatenatingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new ColumnConcatenatingTransformer(_output, _inputs);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <summary>Adds the output: a vector (known size when every input is a scalar or known-size vector) of the
    /// common item type; slot names when an input is a scalar or has slot names.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing, a key, or of another item type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        DataViewType? itemType = null;
        bool varVector = false, slotNames = false;
        SchemaShape.Column first = default;
        foreach (var name in _inputs)
        {
            var column = SchemaErrors.Find(inputSchema, name, nameof(inputSchema));
            if (column.IsKey || column.ItemType is not PrimitiveDataViewType)
                throw SchemaErrors.Mismatch(nameof(inputSchema), name, "a primitive or vector of primitives (not a key)", column.GetTypeString());
            if (itemType == null)
            {
                itemType = column.ItemType;
                first = column;
            }
            else if (!itemType.Equals(column.ItemType))
                throw SchemaErrors.Mismatch(nameof(inputSchema), name, first.GetTypeString(), column.GetTypeString());
            varVector |= column.Kind == SchemaShape.Column.VectorKind.VariableVector;
            slotNames |= column.Kind == SchemaShape.Column.VectorKind.Scalar || column.Annotations.TryFindColumn(AnnotationUtils.Kinds.SlotNames, out _);
        }
        var annotations = new List<SchemaShape.Column>();
        if (slotNames && !varVector)
            annotations.Add(new SchemaShape.Column(AnnotationUtils.Kinds.SlotNames, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false));
        var result = inputSchema.ToDictionary(c => c.Name);
        result[_output] = new SchemaShape.Column(_output,
            varVector ? SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Vector,
            itemType!, false, new SchemaShape(annotations));
        return new SchemaShape(result.Values);
    }
}
