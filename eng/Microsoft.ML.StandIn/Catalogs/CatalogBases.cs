namespace Microsoft.ML;

/// <summary>Base of the trainer catalogs (constructor not public, as in ML.NET).</summary>
public abstract class TrainCatalogBase
{
    private protected TrainCatalogBase(MLContext context)
    {
        Context = context;
    }

    internal MLContext Context { get; }

    /// <summary>Base of the nested "Trainers" catalogs that extension methods attach to (nested here and constructor
    /// not public, as in ML.NET).</summary>
    public abstract class CatalogInstantiatorBase
    {
        private protected CatalogInstantiatorBase(TrainCatalogBase owner)
        {
            Owner = owner;
        }

        internal TrainCatalogBase Owner { get; }
    }
}
