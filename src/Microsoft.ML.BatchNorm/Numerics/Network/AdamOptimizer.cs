using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Adam (Kingma and Ba 2015, Algorithm 1): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// w -= lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t). Computed, as PyTorch
/// does, in the algebraically identical form w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) (eps is
/// added after the correction, as in Algorithm 1, not the section 2 variant). Moments start at 0.
/// </summary>
internal sealed class AdamOptimizer : MlpOptimizer
{
    private readonly float _learningRate, _beta1, _beta2, _epsilon;
    private readonly float[][] _firstMoments;
    private readonly float[][] _secondMoments;
    private float _stepSize, _inverseSqrtCorrection2;

    /// <summary>Creates Adam with zero moments over the given parameters.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="learningRate">lr, finite and positive (default in the settings 1e-3).</param>
    /// <param name="beta1">First-moment decay in [0, 1) (0.9).</param>
    /// <param name="beta2">Second-moment decay in [0, 1) (0.999).</param>
    /// <param name="epsilon">Finite, positive (1e-8).</param>
    /// <param name="l2Regularization">Coupled L2 coefficient (0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
    public AdamOptimizer(IReadOnlyList<MlpParameter> parameters, float learningRate, float beta1, float beta2,
        float epsilon, float l2Regularization)
        : base(parameters, l2Regularization)
    {
        if (!float.IsFinite(learningRate) || learningRate <= 0f) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be finite and positive.");
        if (!(beta1 >= 0f && beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Must be in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Must be in [0, 1).");
        if (!float.IsFinite(epsilon) || epsilon <= 0f) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Must be finite and positive.");
        _learningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _firstMoments = new float[Parameters.Count][];
        _secondMoments = new float[Parameters.Count][];
        for (int i = 0; i < Parameters.Count; i++)
        {
            _firstMoments[i] = new float[Parameters[i].Value.Length];
            _secondMoments[i] = new float[Parameters[i].Value.Length];
        }
    }

    /// <summary>Steps taken so far (t of the paper).</summary>
    public long StepCount { get; private set; }

    /// <inheritdoc/>
    protected override void BeginStep()
    {
        StepCount++;
        // Bias corrections in double: 1 - b2^t is tiny in the first steps.
        double correction1 = 1.0 - Math.Pow(_beta1, StepCount);
        double correction2 = 1.0 - Math.Pow(_beta2, StepCount);
        _stepSize = (float)(_learningRate / correction1);
        _inverseSqrtCorrection2 = (float)(1.0 / Math.Sqrt(correction2));
    }

    /// <inheritdoc/>
    protected override void Update(int index)
    {
        MlpParameter p = Parameters[index];
        Update(p.Value, p.Gradient, _firstMoments[index], _secondMoments[index], p.ApplyWeightDecay ? L2Regularization : 0f,
            _stepSize, _inverseSqrtCorrection2);
    }

    private void Update(Span<float> w, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, float decay,
        float stepSize, float inverseSqrtCorrection2)
    {
        float b1 = _beta1, b2 = _beta2, c1 = 1f - _beta1, c2 = 1f - _beta2, eps = _epsilon;
        int i = 0;
        if (grad.Length != w.Length || m.Length != w.Length || v.Length != w.Length)
            throw new InvalidOperationException("Adam state and parameter lengths differ.");
        // The widest vectors available; refs instead of spans of vectors keep bounds checks out of the loop.
        ref float wr = ref MemoryMarshal.GetReference(w);
        ref float gr = ref MemoryMarshal.GetReference(grad);
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float vr = ref MemoryMarshal.GetReference(v);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> epsV = Vector512.Create(eps);
            for (; i <= w.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                nuint k = (nuint)i;
                Vector512<float> wk = Vector512.LoadUnsafe(ref wr, k);
                Vector512<float> g = Vector512.LoadUnsafe(ref gr, k) + decay * wk;
                Vector512<float> mk = b1 * Vector512.LoadUnsafe(ref mr, k) + c1 * g;
                Vector512<float> vk = b2 * Vector512.LoadUnsafe(ref vr, k) + c2 * (g * g);
                mk.StoreUnsafe(ref mr, k);
                vk.StoreUnsafe(ref vr, k);
                (wk - stepSize * mk / (Vector512.Sqrt(vk) * inverseSqrtCorrection2 + epsV)).StoreUnsafe(ref wr, k);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> epsV = Vector256.Create(eps);
            for (; i <= w.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                nuint k = (nuint)i;
                Vector256<float> wk = Vector256.LoadUnsafe(ref wr, k);
                Vector256<float> g = Vector256.LoadUnsafe(ref gr, k) + decay * wk;
                Vector256<float> mk = b1 * Vector256.LoadUnsafe(ref mr, k) + c1 * g;
                Vector256<float> vk = b2 * Vector256.LoadUnsafe(ref vr, k) + c2 * (g * g);
                mk.StoreUnsafe(ref mr, k);
                vk.StoreUnsafe(ref vr, k);
                (wk - stepSize * mk / (Vector256.Sqrt(vk) * inverseSqrtCorrection2 + epsV)).StoreUnsafe(ref wr, k);
            }
        }
        for (; i < w.Length; i++)
        {
            float g = grad[i] + decay * w[i];
            float mi = b1 * m[i] + c1 * g;
            float vi = b2 * v[i] + c2 * (g * g);
            m[i] = mi;
            v[i] = vi;
            w[i] -= stepSize * mi / (MathF.Sqrt(vi) * inverseSqrtCorrection2 + eps);
        }
    }
}
