namespace Microsoft.ML.BatchNorm.Numerics;

/// <summary>
/// Writes one slot's batch-normalization map <c>y = a (x - mean) + beta</c> (a = gamma / sqrt(var + epsilon) and the
/// mean in double) as a chain of float steps <c>v -&gt; (v - offset) * scale</c>, each as a min-max normalizer fitted on
/// two rows computes it (offset = the lower row, scale = 1 / (upper - lower) in float; both 0 when upper &lt;= lower),
/// so that the chain stays within <see cref="Roundings"/> u (|beta| + |a| |x - mean|) of the float64 value, u = 2^-24
/// (and within 2^-149 for results in float's subnormal range),
/// however large the mean is next to the spread. One step with offset <c>mean - beta / a</c> cannot: rounding that
/// offset to float alone moves y by up to u |a mean|.
/// </summary>
/// <remarks>
/// <para>The chain, with a' = |a| and s = sign(a) (a negative slope needs the whole column negated, a step of its own):</para>
/// <list type="number">
/// <item>offset o1 = (float)mean, scale P1 = 1 / D1 with D1 a power of two (1 when it can be): t = (x - o1) P1. x - o1 is
/// exact for x within a factor 2 of o1 (Sterbenz) and the scaling by a power of two is exact. a = 0: scale 0, t = 0.</item>
/// <item>when s = -1: t = -t (exact).</item>
/// <item>offset o2 = (float)(-c P1 / a') with c = beta - a (mean - o1) (double), scale P2 = 1 / D2, a power of two:
/// w = (t - o2) P2. a = 0: o2 = -beta.</item>
/// <item>offset 0, scale s3, the float nearest (within 2 u) to a' / (P1 P2) that 1 / (upper - 0) can give: y = w s3.
/// a = 0: s3 = 1 / P2 exactly.</item>
/// </list>
/// <para>Error: u |a| |x - o1| (first subtraction, when not exact) + u |c| (o2) + u |y| (second subtraction) + 2 u |y|
/// (s3) + u |y| (last product), with |x - o1| &lt;= 2 |x - mean| and |c| &lt;= |beta| + |a| |x - mean| for every
/// float x: 7 u (|beta| + |a| |x - mean|) to first order. Each plan is also checked by evaluating it on probe inputs
/// around the mean (from 0.01 to 1000 standard units away, and the floats next to the mean); a plan that fails, or whose
/// constants are not finite floats, is refused.</para>
/// </remarks>
internal static class AffineStepChain
{
    /// <summary>u = 2^-24, the relative error of one float rounding.</summary>
    public const double UnitRoundoff = 1.0 / (1 << 24);

    /// <summary>The bound, as a multiple of u (|beta| + |a| |x - mean|).</summary>
    public const double Roundings = 8;

    /// <summary>
    /// The bound for one output: <see cref="Roundings"/> u (|beta| + |a| |x - mean|), and at least float's smallest
    /// step 2^-149 (results in float's subnormal range have only that absolute precision).
    /// </summary>
    public static double Bound(double a, float beta, float x, double mean)
        => Math.Max(Roundings * UnitRoundoff * (Math.Abs(beta) + Math.Abs(a) * Math.Abs(x - mean)), float.Epsilon);

    /// <summary>The two rows a min-max fit sees for a step: offset <see cref="Low"/>, scale 1 / (High - Low).</summary>
    public readonly record struct StepRows(float Low, float High)
    {
        /// <summary>The offset ML.NET's min-max normalizer (fixZero: false) computes from the two rows.</summary>
        public float Offset => Scale == 0 ? 0 : Low;

        /// <summary>The scale it computes, in float: 1 / (max - min), or 0 when max &lt;= min (or 1 / (max - min) underflows).</summary>
        public float Scale => High > Low ? 1f / (High - Low) : 0f;

        /// <summary>One step: (v - offset) * scale in float.</summary>
        public float Apply(float v) => (v - Offset) * Scale;
    }

    /// <summary>One slot's chain: the rows of each step and whether the column is negated after the first.</summary>
    public readonly record struct SlotPlan(StepRows First, StepRows Second, StepRows Third)
    {
        /// <summary>The chain's output for <paramref name="x"/>, as ML.NET computes it (negated after the first step when <paramref name="negate"/>).</summary>
        public float Evaluate(float x, bool negate)
        {
            float t = First.Apply(x);
            return Third.Apply(Second.Apply(negate ? -t : t));
        }
    }

    /// <summary>
    /// Plans the chain of one slot. <paramref name="negate"/> is the column's: it must be true when a &lt; 0, false when
    /// a &gt; 0 (either for a = 0). Returns false, with the reason, when no chain meets the bound.
    /// </summary>
    public static bool TryPlan(double mean, double a, float beta, bool negate, out SlotPlan plan, out string reason)
    {
        plan = default;
        if (!double.IsFinite(mean) || !double.IsFinite(a) || !float.IsFinite(beta) || (a != 0 && (a < 0) != negate))
            throw new ArgumentException($"Invalid slot: mean {mean}, a {a}, beta {beta}, negate {negate}.");
        double slope = Math.Abs(a);
        StepRows first, second, third;
        if (slope == 0)
        {
            first = new StepRows(0, 0);
            second = PowerOfTwoRows(-beta);
            third = new StepRows(0, 1 / second.Scale);
        }
        else
        {
            float o1 = (float)mean;
            if (!float.IsFinite(o1))
            {
                reason = $"the mean {mean} is beyond float";
                return false;
            }
            first = PowerOfTwoRows(o1);
            double p1 = first.Scale;
            double c = beta - a * (mean - o1);
            float o2 = (float)(-c * p1 / slope);
            if (!float.IsFinite(o2))
            {
                reason = $"beta / scale = {beta / a:G9} is beyond float";
                return false;
            }
            second = PowerOfTwoRows(o2);
            third = ScaleRows(slope / (p1 * second.Scale));
        }
        plan = new SlotPlan(first, second, third);
        return Check(plan, mean, a, beta, negate, out reason);
    }

    /// <summary>
    /// Rows giving offset <paramref name="offset"/> and scale 1 / D, D the largest power of two &lt;= max(1, float step
    /// of the offset) for which the float difference of the rows is exactly D. Ends at the float next to the offset at
    /// the latest, whose difference is a power of two.
    /// </summary>
    private static StepRows PowerOfTwoRows(float offset)
    {
        float next = MathF.BitIncrement(offset);
        float step = float.IsFinite(next) ? next - offset : offset - MathF.BitDecrement(offset);
        for (float d = Math.Max(1f, step); d >= step; d /= 2)
        {
            float high = offset + d;
            if (high - offset == d && float.IsFinite(1f / d))
                return new StepRows(offset, high);
        }
        return new StepRows(offset, next);
    }

    /// <summary>Rows (0, D) whose scale 1 / D in float is the nearest one gets to <paramref name="target"/>.</summary>
    private static StepRows ScaleRows(double target)
    {
        float d = (float)(1 / target);
        var best = new StepRows(0, d);
        foreach (float candidate in new[] { MathF.BitDecrement(d), MathF.BitIncrement(d) })
        {
            var rows = new StepRows(0, candidate);
            if (Math.Abs(rows.Scale - target) < Math.Abs(best.Scale - target))
                best = rows;
        }
        return best;
    }

    private static bool Check(SlotPlan plan, double mean, double a, float beta, bool negate, out string reason)
    {
        foreach (var step in new[] { plan.First, plan.Second, plan.Third })
        {
            if (!float.IsFinite(step.Low) || !float.IsFinite(step.High) || !float.IsFinite(step.Scale))
            {
                reason = "a constant of the chain is beyond float";
                return false;
            }
        }
        double unit = a == 0 ? 1 : 1 / Math.Abs(a);
        float o1 = (float)mean;
        var probes = new List<float> { o1, MathF.BitIncrement(o1), MathF.BitDecrement(o1), 0 };
        foreach (double k in new[] { 0.01, 0.5, 1, 3, 10, 1000 })
        {
            probes.Add((float)(mean + k * unit));
            probes.Add((float)(mean - k * unit));
        }
        foreach (float x in probes)
        {
            double exact = a * (x - mean) + beta;
            double error = Math.Abs(plan.Evaluate(x, negate) - exact);
            double bound = Bound(a, beta, x, mean);
            if (!(error <= bound))
            {
                reason = $"at x = {x:G9} the chain is {error:G3} away from {exact:G9} (bound {bound:G3})";
                return false;
            }
        }
        reason = "";
        return true;
    }
}
