using Microsoft.ML.Data;

namespace Microsoft.ML.Internal;

/// <summary>Getters that map each item of a scalar or vector column through a function (vectors come out dense).</summary>
internal static class ElementwiseGetter
{
    /// <summary>A <see cref="ValueGetter{TValue}"/> of <typeparamref name="TOut"/> (or of a vector of it, for a vector source).</summary>
    public static Delegate Create<TIn, TOut>(DataViewRow row, DataViewSchema.Column source, Func<TIn, TOut> map)
    {
        if (source.Type is VectorDataViewType)
        {
            var get = row.GetGetter<VBuffer<TIn>>(source);
            VBuffer<TIn> buffer = default;
            return (ValueGetter<VBuffer<TOut>>)((ref VBuffer<TOut> dst) =>
            {
                get(ref buffer);
                var editor = VBufferEditor.Create(ref dst, buffer.Length);
                int j = 0;
                foreach (var item in buffer.DenseValues())
                    editor.Values[j++] = map(item);
                dst = editor.Commit();
            });
        }
        var getScalar = row.GetGetter<TIn>(source);
        TIn scalar = default!;
        return (ValueGetter<TOut>)((ref TOut dst) =>
        {
            getScalar(ref scalar);
            dst = map(scalar);
        });
    }
}
