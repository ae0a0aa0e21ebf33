using Engine.Tensors;

namespace Engine.NN;

public partial class Model
{
    /// <summary>
    /// The device the model's weights live on and where <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c> run: the CPU
    /// until <see cref="To"/> moves the model. Batches are copied there as they are used; results stay there.
    /// </summary>
    public Device Device { get; private set; } = Device.Cpu;

    /// <summary>
    /// Moves every weight (and the optimizer's state, at its next step) to <paramref name="device"/> in place and runs the
    /// model there from now on; weights a lazily built model creates later are put there too. Returns this model.
    /// </summary>
    /// <param name="device">e.g. <c>Device.Cuda(0)</c>, or <c>Device.Default</c> for the best device found.</param>
    public Model To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
        foreach (var nested in Layers.OfType<Model>().Where(m => !ReferenceEquals(m, this))) nested.To(device);
        PlaceWeights();
        return this;
    }

    /// <summary>Moves any weight that is not on <see cref="Device"/> there (new weights of a model built lazily).</summary>
    private protected void PlaceWeights()
    {
        foreach (var weight in Weights) weight.Value.MoveTo(Device);
    }

    /// <summary>The tensor on the model's device (itself when already there).</summary>
    private protected Tensor OnDevice(Tensor t) => t.Device.Equals(Device) ? t : t.To(Device);
}
