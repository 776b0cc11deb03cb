namespace Microsoft.ML.Trainers;

/// <summary>The loss of <see cref="MultilayerPerceptronRegressionTrainer"/>, on the standardized label.</summary>
public enum MultilayerPerceptronRegressionLoss
{
    /// <summary>Squared error (y - t)^2, PyTorch's MSELoss.</summary>
    Squared,

    /// <summary>
    /// Huber loss (Huber 1964), PyTorch's HuberLoss: 0.5 r^2 where |r| &lt;= delta, else delta (|r| - 0.5 delta), with
    /// r = y - t; less swayed by outlying labels than the squared error.
    /// </summary>
    Huber,
}
