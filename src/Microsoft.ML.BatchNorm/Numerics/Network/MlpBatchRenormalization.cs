namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// The settings of Batch Renormalization (Ioffe 2017, arXiv:1702.03275, Algorithm 1) for the training-mode forward of
/// <see cref="MlpBatchNormTraining"/>: the final clipping bounds r_max and d_max, their warm-up schedule, and the
/// momentum of the moving mean and standard deviation that r and d are measured against. <see cref="Validate"/> checks
/// them; <see cref="GetBounds"/> gives the bounds at a training step.
/// </summary>
/// <remarks>
/// The schedule: the first <see cref="WarmUpSteps"/> training steps use r_max = 1 and d_max = 0 (plain batch
/// normalization, while the moving statistics settle); then r_max rises linearly to <see cref="RMax"/> over
/// <see cref="RMaxRelaxationSteps"/> steps and d_max to <see cref="DMax"/> over <see cref="DMaxRelaxationSteps"/>
/// steps. The defaults are the paper's (section 4.2: r_max = 1 and d_max = 0 for the first 5000 steps, then relaxed
/// gradually to reach r_max = 3 at 40k steps and d_max = 5 at 25k steps); the paper does not say how "gradually", the
/// linear ramp is ours.
/// </remarks>
internal sealed class MlpBatchRenormalization
{
    /// <summary>Final bound of r, clipped to [1 / RMax, RMax]; finite, at least 1. Default 3 (the paper's).</summary>
    public float RMax { get; set; } = 3f;

    /// <summary>Final bound of d, clipped to [-DMax, DMax]; finite, at least 0. Default 5 (the paper's).</summary>
    public float DMax { get; set; } = 5f;

    /// <summary>Training steps (mini-batches) with r_max = 1 and d_max = 0; at least 0. Default 5000.</summary>
    public int WarmUpSteps { get; set; } = 5000;

    /// <summary>Steps after the warm-up over which r_max rises linearly from 1 to <see cref="RMax"/>; at least 0 (0: at once). Default 35000.</summary>
    public int RMaxRelaxationSteps { get; set; } = 35000;

    /// <summary>Steps after the warm-up over which d_max rises linearly from 0 to <see cref="DMax"/>; at least 0. Default 20000.</summary>
    public int DMaxRelaxationSteps { get; set; } = 20000;

    /// <summary>
    /// Weight of each batch's statistics in the moving mean mu and standard deviation sigma that r and d compare the
    /// batch with, PyTorch's convention: <c>mu = (1 - m) mu + m mu_B</c> (the paper's alpha; Keras'
    /// <c>renorm_momentum</c> is 1 - m, default 0.99). In [0, 1]. Default 0.01.
    /// </summary>
    public float Momentum { get; set; } = 0.01f;

    /// <summary>A copy, so that a training run keeps the settings it started with.</summary>
    public MlpBatchRenormalization Clone() => (MlpBatchRenormalization)MemberwiseClone();

    /// <summary>Checks every setting.</summary>
    /// <param name="owner">The option's name as the caller knows it, prefixed to each property name in the exception.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A setting is out of range; the parameter name is <c>owner.Property</c>: RMax not finite or &lt; 1; DMax not finite
    /// or &lt; 0; a step count negative; Momentum outside [0, 1].
    /// </exception>
    public void Validate(string owner)
    {
        if (!float.IsFinite(RMax) || RMax < 1f)
            throw new ArgumentOutOfRangeException($"{owner}.{nameof(RMax)}", RMax, $"{owner}.{nameof(RMax)} must be finite and at least 1 (r is clipped to [1/RMax, RMax]).");
        if (!float.IsFinite(DMax) || DMax < 0f)
            throw new ArgumentOutOfRangeException($"{owner}.{nameof(DMax)}", DMax, $"{owner}.{nameof(DMax)} must be finite and at least 0 (d is clipped to [-DMax, DMax]).");
        CheckSteps(WarmUpSteps, owner, nameof(WarmUpSteps));
        CheckSteps(RMaxRelaxationSteps, owner, nameof(RMaxRelaxationSteps));
        CheckSteps(DMaxRelaxationSteps, owner, nameof(DMaxRelaxationSteps));
        if (!(Momentum >= 0f && Momentum <= 1f))
            throw new ArgumentOutOfRangeException($"{owner}.{nameof(Momentum)}", Momentum, $"{owner}.{nameof(Momentum)} must be in [0, 1] (PyTorch's convention: the weight of the batch statistics).");
    }

    /// <summary>The bounds at training step <paramref name="step"/> (0 for the first mini-batch), as the remarks describe.</summary>
    public void GetBounds(long step, out float rMax, out float dMax)
    {
        rMax = (float)(1 + (RMax - 1.0) * Progress(step, RMaxRelaxationSteps));
        dMax = (float)(DMax * Progress(step, DMaxRelaxationSteps));
    }

    // 0 during the warm-up, then up linearly to 1 after `steps` more steps.
    private double Progress(long step, int steps)
    {
        long done = step - WarmUpSteps;
        if (done < 0) return 0;
        return steps == 0 ? 1 : Math.Min(1.0, (double)done / steps);
    }

    private static void CheckSteps(int value, string owner, string name)
    {
        if (value < 0)
            throw new ArgumentOutOfRangeException($"{owner}.{name}", value, $"{owner}.{name} must be 0 or more training steps.");
    }
}
