namespace Engine.Tensors;

/// <summary>A device that was asked for by kind and index does not exist here or cannot be opened.</summary>
public sealed class DeviceUnavailableException : Exception
{
    /// <summary>Creates the exception with a message that names the device and what is missing.</summary>
    /// <param name="message">The message.</param>
    /// <param name="inner">The driver's own error, if any.</param>
    public DeviceUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
