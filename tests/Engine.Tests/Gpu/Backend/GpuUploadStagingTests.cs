using Engine.Backends.Gpu;
using Engine.Kernels.Gpu;
using Engine.Tensors;

namespace Engine.Tests.Gpu.Backend;

/// <summary>
/// Uploads through <see cref="GpuUploadStaging"/> (page-locked slots, no wait for the device) arrive intact: sizes
/// from 1 byte to more than a slot, many in a row (more than the ring has slots) before anything is read, each
/// host buffer overwritten as soon as its upload returns.
/// </summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuUploadStagingTests
{
    private static readonly int[] Sizes = [1, 3, 255, 256, 4097, 65_536 + 7, 300_000, GpuUploadStaging.SlotBytes + 13, 17];

    private static GpuBackend Backend => (GpuBackend)GpuTestDevice.Device.Backend;

    /// <summary>Every upload reads back as written, although the host buffer was scribbled over right after it.</summary>
    [Fact]
    public void UploadsInARowArriveIntact()
    {
        var random = new Random(7);
        var expected = new List<byte[]>();
        var onDevice = new List<Tensor>();
        var host = new byte[Sizes.Max()];
        long waits = Backend.HostSynchronizations, copies = Backend.HostToDeviceCopies;
        for (int round = 0; round < 2; round++)
            foreach (int size in Sizes)
            {
                random.NextBytes(host.AsSpan(0, size));
                var t = Tensor.Empty(new Shape(size), DType.Bool, GpuTestDevice.Device);
                Backend.CopyFromHost(host.AsSpan(0, size), t.Storage, 0);
                expected.Add(host[..size]);
                onDevice.Add(t);
                Array.Fill(host, (byte)0xA5); // the staging copied the bytes: the caller may reuse its buffer at once
            }
        Assert.Equal(copies + 2 * Sizes.Length, Backend.HostToDeviceCopies);
        Assert.True(GpuUploadStaging.Supports(Backend.Accelerator) || !GpuTestDevice.IsSimulator, "the simulator's uploads are staged");
        if (GpuUploadStaging.Supports(Backend.Accelerator))
            Assert.True(Backend.HostSynchronizations == waits, $"{Backend.HostSynchronizations - waits} waits for {2 * Sizes.Length} staged uploads");
        for (int i = 0; i < expected.Count; i++)
        {
            var back = new byte[expected[i].Length];
            Backend.CopyToHost(onDevice[i].Storage, 0, back);
            Assert.True(expected[i].AsSpan().SequenceEqual(back), $"upload {i} of {back.Length} bytes differs");
        }
    }

    /// <summary>Uploads into the middle of a storage land at their offset and leave the rest alone.</summary>
    [Fact]
    public void AnUploadAtAnOffsetLandsThere()
    {
        var t = Tensor.Zeros(new Shape(1000), DType.Float32).To(GpuTestDevice.Device);
        var values = Enumerable.Range(1, 300).Select(i => (float)i).ToArray();
        Backend.CopyFromHost(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()), t.Storage, 500);
        var back = t.ToArray<float>();
        Assert.Equal(new float[500], back[..500]);
        Assert.Equal(values, back[500..800]);
        Assert.Equal(new float[200], back[800..]);
    }

    /// <summary>The staging is refused where it is not known to be safe, and checks lengths.</summary>
    [Fact]
    public void TheStagingChecksItsArguments()
    {
        using var context = GpuAccelerators.CreateSimulatorContext(); // built without profiling: no markers
        using var accelerator = GpuAccelerators.CreateSimulator(context);
        Assert.False(GpuUploadStaging.Supports(accelerator));
        Assert.Contains("profiling", Assert.Throws<NotSupportedException>(() => new GpuUploadStaging(accelerator)).Message);
        if (!GpuUploadStaging.Supports(Backend.Accelerator)) return;
        using var staging = new GpuUploadStaging(Backend.Accelerator);
        using var block = Backend.Pool.Rent(16);
        Assert.Contains("16", Assert.Throws<ArgumentException>(() => staging.Upload(new byte[3], block.View<byte>().SubView(0, 16))).Message);
    }
}
