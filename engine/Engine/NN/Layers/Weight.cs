using Engine.Tensors;

namespace Engine.NN;

/// <summary>One weight of a layer: its full name ("dense/kernel"), its value, and how training treats it.</summary>
/// <param name="Name">Layer name and weight name joined by '/': the key under which it is saved.</param>
/// <param name="Value">The tensor (a leaf that requires grad when trainable).</param>
/// <param name="Trainable">Whether the optimizer updates it.</param>
/// <param name="Regularizer">A penalty added to the loss, or null.</param>
public sealed record Weight(string Name, Tensor Value, bool Trainable, Regularizer? Regularizer);
