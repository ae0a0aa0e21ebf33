using System.Collections;
using Engine.Tensors;

namespace Engine.Data;

/// <summary>
/// Batches of (x, y) rows from two tensors that share axis 0. Enumerating the loader is one epoch;
/// with <c>shuffle</c> each epoch draws a new row order from the generator, so a seeded generator
/// gives the same sequence of epochs every run. Batches are copies of the selected rows (slices copied in order, or
/// <see cref="Tensor.IndexSelect"/> through the epoch's order), so later changes to a batch do not touch the data.
/// </summary>
public sealed class DataLoader : IEnumerable<(Tensor X, Tensor Y)>
{
    private readonly Generator _generator;

    /// <summary>Creates a loader over <paramref name="x"/> and <paramref name="y"/>.</summary>
    /// <param name="x">The inputs, [N, …].</param>
    /// <param name="y">The targets, [N, …].</param>
    /// <param name="batchSize">Rows per batch (the last batch may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">Visit the rows in a new random order each epoch.</param>
    /// <param name="generator">The random source for shuffling (default <see cref="Generator.Default"/>, seeded by <see cref="Tensor.ManualSeed"/>).</param>
    /// <param name="dropLast">Skip the last batch when it has fewer than <paramref name="batchSize"/> rows.</param>
    /// <exception cref="ArgumentException">The tensors disagree on axis 0, are scalars, or the batch size is not positive.</exception>
    public DataLoader(Tensor x, Tensor y, int batchSize, bool shuffle = false, Generator? generator = null, bool dropLast = false)
    {
        if (x.Rank == 0 || y.Rank == 0 || x.Shape[0] != y.Shape[0])
            throw new ArgumentException($"DataLoader: x and y must share axis 0, got x {x.Describe()} and y {y.Describe()}.");
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"DataLoader: batchSize must be positive (x {x.Describe()}).");
        X = x;
        Y = y;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        _generator = generator ?? Generator.Default;
    }

    /// <summary>The inputs.</summary>
    public Tensor X { get; }

    /// <summary>The targets.</summary>
    public Tensor Y { get; }

    /// <summary>Rows per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the rows in a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a smaller last batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>
    /// Applied to every batch of inputs as it is drawn (data augmentation, e.g. <see cref="ImageAugmentation.RandomShift"/>);
    /// null for none. It sees a fresh copy, so it may return a new tensor or the same one.
    /// </summary>
    public Func<Tensor, Tensor>? Augment { get; init; }

    /// <summary>The number of rows.</summary>
    public int Rows => X.Shape[0];

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => DropLast ? Rows / BatchSize : (Rows + BatchSize - 1) / BatchSize;

    /// <summary>One epoch of batches; each call draws a new order when shuffling.</summary>
    public IEnumerator<(Tensor X, Tensor Y)> GetEnumerator() =>
        Shuffle ? Shuffled(RandomPermutation.Draw(Rows, _generator)) : InOrder();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Batches of consecutive rows, copied from slices of the data: no index to upload or check.</summary>
    private IEnumerator<(Tensor X, Tensor Y)> InOrder()
    {
        for (int b = 0; b < BatchCount; b++)
        {
            var (start, count) = BatchRows(b);
            var x = X.Narrow(0, start, count).Clone();
            yield return (Augment is null ? x : Augment(x), Y.Narrow(0, start, count).Clone());
        }
    }

    /// <summary>
    /// Batches of rows in <paramref name="order"/>: the order goes to the data's device once per epoch, and each
    /// batch gathers through a slice of it, so data on a GPU gets one upload per epoch rather than one per batch.
    /// </summary>
    private IEnumerator<(Tensor X, Tensor Y)> Shuffled(int[] order)
    {
        var forX = Tensor.FromArray(order, device: X.Device);
        var forY = Y.Device.Equals(X.Device) ? forX : forX.To(Y.Device);
        for (int b = 0; b < BatchCount; b++)
        {
            var (start, count) = BatchRows(b);
            var x = X.IndexSelect(0, forX.Narrow(0, start, count));
            yield return (Augment is null ? x : Augment(x), Y.IndexSelect(0, forY.Narrow(0, start, count)));
        }
    }

    private (int Start, int Count) BatchRows(int batch)
    {
        int start = batch * BatchSize;
        return (start, Math.Min(BatchSize, Rows - start));
    }
}
