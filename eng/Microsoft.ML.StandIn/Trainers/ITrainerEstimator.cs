namespace Microsoft.ML.Trainers;

/// <summary>An estimator that trains a model and returns a prediction transformer (in <c>Microsoft.ML.Trainers</c>,
/// constrained to <see cref="IPredictionTransformer{TModel}"/>, as in ML.NET 5).</summary>
public interface ITrainerEstimator<out TTransformer, out TModel> : IEstimator<TTransformer>
    where TTransformer : IPredictionTransformer<TModel>
    where TModel : class
{
    /// <summary>What the trainer needs and supports.</summary>
    TrainerInfo Info { get; }
}
