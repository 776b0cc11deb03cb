using Microsoft.ML.BatchNorm.Numerics;

namespace Microsoft.ML.BatchNorm.Benchmarks.Figures;

/// <summary>
/// Training step of one batch-norm layer, as the PyTorch script's <c>bn_train_fwd_bwd/N=..,D=..</c> times
/// <c>torch.autograd.grad(bn(x), (x, weight, bias), g)</c> in training mode: forward (Algorithm 1) with the
/// running-statistics update, then the backward to dx, dgamma and dbeta (no ReLU). x = randn * 3 + 1,
/// the upstream gradient randn, gamma 1 and beta 0 (PyTorch's initialization), epsilon 1e-5, momentum 0.1.
/// </summary>
/// <param name="n">Rows of the mini-batch.</param>
/// <param name="d">Features.</param>
public sealed class BatchNormTrainFigure(int n, int d) : Figure
{
    private float[] _x = [], _dy = [], _y = [], _dx = [];
    private float[] _gamma = [], _beta = [], _mean = [], _variance = [], _inverseStd = [];
    private float[] _runningMean = [], _runningVariance = [], _dGamma = [], _dBeta = [];

    /// <inheritdoc/>
    public override string Name => $"bn_train_fwd_bwd/N={n},D={d}";

    /// <summary>The compulsory traffic: x and dy read, y and dx written, once each.</summary>
    public override double Bytes => 4.0 * n * d * sizeof(float);

    /// <inheritdoc/>
    public override void Setup()
    {
        _x = TestData.Normal(n * d, seed: 0, scale: 3f, shift: 1f);
        _dy = TestData.Normal(n * d, seed: 1);
        _y = new float[n * d];
        _dx = new float[n * d];
        _gamma = Enumerable.Repeat(1f, d).ToArray();
        _beta = new float[d];
        _mean = new float[d];
        _variance = new float[d];
        _inverseStd = new float[d];
        _runningMean = new float[d];
        _runningVariance = Enumerable.Repeat(1f, d).ToArray();
        _dGamma = new float[d];
        _dBeta = new float[d];
    }

    /// <inheritdoc/>
    public override void Run()
    {
        BatchNormKernels.ForwardTraining(_x, n, d, _gamma, _beta, 1e-5f, applyRelu: false, _y, _mean, _variance,
            _inverseStd);
        BatchNormKernels.UpdateRunningStatistics(_runningMean, _runningVariance, _mean, _variance, n, 0.1f);
        BatchNormKernels.Backward(_x, _y, _dy, n, d, _gamma, _mean, _inverseStd, applyRelu: false, _dx, _dGamma,
            _dBeta);
    }

    /// <inheritdoc/>
    public override void Cleanup() => (_x, _dy, _y, _dx) = ([], [], [], []);
}

/// <summary>
/// Inference forward of one batch-norm layer (Algorithm 2), as the PyTorch script's <c>bn_eval_fwd/N=..,D=..</c>
/// times <c>bn(x)</c> in eval mode: the per-feature scale gamma / sqrt(var + epsilon) is recomputed each call, as
/// PyTorch does, then y = (x - mean) * scale + beta. x = randn * 3 + 1; running mean 1 and variance 9.
/// </summary>
/// <param name="n">Rows.</param>
/// <param name="d">Features.</param>
public sealed class BatchNormEvalFigure(int n, int d) : Figure
{
    private float[] _x = [], _y = [], _mean = [], _variance = [], _gamma = [], _beta = [], _scale = [];

    /// <inheritdoc/>
    public override string Name => $"bn_eval_fwd/N={n},D={d}";

    /// <summary>The compulsory traffic: x read and y written once.</summary>
    public override double Bytes => 2.0 * n * d * sizeof(float);

    /// <inheritdoc/>
    public override void Setup()
    {
        _x = TestData.Normal(n * d, seed: 0, scale: 3f, shift: 1f);
        _y = new float[n * d];
        _mean = Enumerable.Repeat(1f, d).ToArray();
        _variance = Enumerable.Repeat(9f, d).ToArray();
        _gamma = Enumerable.Repeat(1f, d).ToArray();
        _beta = new float[d];
        _scale = new float[d];
    }

    /// <inheritdoc/>
    public override void Run()
    {
        BatchNormKernels.ComputeScale(_variance, _gamma, 1e-5f, _scale);
        BatchNormKernels.Normalize(_x, n, d, _mean, _scale, _beta, applyRelu: false, _y);
    }

    /// <inheritdoc/>
    public override void Cleanup() => (_x, _y) = ([], []);
}
