using System.Numerics;
using System.Runtime.InteropServices;

namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Stochastic gradient descent with classical momentum (Polyak's heavy ball, in PyTorch's form without dampening):
/// v = mu * v + g; w -= lr * v. Velocities start at 0, so the first step is w -= lr * g.
/// </summary>
internal sealed class SgdMomentumOptimizer : MlpOptimizer
{
    private readonly float _learningRate, _momentum;
    private readonly float[][] _velocities;

    /// <summary>Creates the optimizer with zero velocities.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="learningRate">lr, finite and positive.</param>
    /// <param name="momentum">mu in [0, 1) (default in the settings 0.9; 0 is plain SGD).</param>
    /// <param name="l2Regularization">Coupled L2 coefficient.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range.</exception>
    public SgdMomentumOptimizer(IReadOnlyList<MlpParameter> parameters, float learningRate, float momentum, float l2Regularization)
        : base(parameters, l2Regularization)
    {
        if (!float.IsFinite(learningRate) || learningRate <= 0f) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be finite and positive.");
        if (!(momentum >= 0f && momentum < 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Must be in [0, 1).");
        _learningRate = learningRate;
        _momentum = momentum;
        _velocities = new float[Parameters.Count][];
        for (int i = 0; i < Parameters.Count; i++) _velocities[i] = new float[Parameters[i].Value.Length];
    }

    /// <inheritdoc/>
    protected override void BeginStep()
    {
    }

    /// <inheritdoc/>
    protected override void Update(int index)
    {
        MlpParameter p = Parameters[index];
        Update(p.Value, p.Gradient, _velocities[index], p.ApplyWeightDecay ? L2Regularization : 0f);
    }

    private void Update(Span<float> w, ReadOnlySpan<float> grad, Span<float> velocity, float decay)
    {
        float mu = _momentum, lr = _learningRate;
        Span<Vector<float>> wv = MemoryMarshal.Cast<float, Vector<float>>(w);
        ReadOnlySpan<Vector<float>> gv = MemoryMarshal.Cast<float, Vector<float>>(grad);
        Span<Vector<float>> vv = MemoryMarshal.Cast<float, Vector<float>>(velocity);
        for (int i = 0; i < wv.Length; i++)
        {
            Vector<float> vi = mu * vv[i] + (gv[i] + decay * wv[i]);
            vv[i] = vi;
            wv[i] -= lr * vi;
        }
        for (int i = wv.Length * Vector<float>.Count; i < w.Length; i++)
        {
            float vi = mu * velocity[i] + (grad[i] + decay * w[i]);
            velocity[i] = vi;
            w[i] -= lr * vi;
        }
    }
}
