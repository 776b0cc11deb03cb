using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>A transformer that holds a trained model.</summary>
public interface IPredictionTransformer<out TModel> : ITransformer
    where TModel : class
{
    /// <summary>The model.</summary>
    TModel Model { get; }
}

/// <summary>A prediction transformer whose model reads one feature column.</summary>
public interface ISingleFeaturePredictionTransformer<out TModel> : IPredictionTransformer<TModel>
    where TModel : class
{
    /// <summary>The feature column name.</summary>
    string FeatureColumnName { get; }

    /// <summary>The feature column type.</summary>
    DataViewType FeatureColumnType { get; }
}
