namespace PipeWatch.Store;

/// <summary>The store could not be opened or used; the message names the file and the reason.</summary>
public sealed class StoreException : Exception
{
    public StoreException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
