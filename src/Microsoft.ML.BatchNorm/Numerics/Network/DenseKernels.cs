using System.Numerics.Tensors;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>Row-wise helpers around the dense layers' matrix products: bias, ReLU and its gradient mask, column sums.</summary>
internal static class DenseKernels
{
    /// <summary>y[i, :] += bias for the n rows of y (n x d), then ReLU when <paramref name="applyRelu"/>.</summary>
    public static void AddBias(Span<float> y, int n, int d, ReadOnlySpan<float> bias, bool applyRelu)
    {
        for (int i = 0; i < n; i++)
        {
            Span<float> row = y.Slice(i * d, d);
            TensorPrimitives.Add(row, bias, row);
            if (applyRelu) TensorPrimitives.Max(row, 0f, row);
        }
    }

    /// <summary>
    /// ReLU's backward: dz = dy where y &gt; 0, else 0 (y is the ReLU output), for n x d elements. dz may alias dy.
    /// </summary>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int count)
    {
        y = y[..count];
        dy = dy[..count];
        dz = dz[..count];
        for (int i = 0; i < count; i++) dz[i] = y[i] > 0f ? dy[i] : 0f;
    }

    /// <summary>sums[j] = sum over the n rows of x[i, j] (x is n x d), in row order (deterministic).</summary>
    public static void ColumnSums(ReadOnlySpan<float> x, int n, int d, Span<float> sums)
    {
        sums = sums[..d];
        sums.Clear();
        for (int i = 0; i < n; i++) TensorPrimitives.Add(sums, x.Slice(i * d, d), sums);
    }
}
