using System.Runtime.CompilerServices;
using Engine.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Tests.Gpu;

/// <summary>The GPU caching allocator on the ILGPU CPU simulator: size classes, reuse, statistics, out of memory, disposal.</summary>
[Collection(nameof(GpuSimulator))]
public sealed class GpuMemoryPoolTests(SimulatorFixture fixture)
{
    private readonly Accelerator _accelerator = fixture.Accelerator;

    [Fact]
    public void SizeClassesRoundUpWithAtMostAQuarterWasted()
    {
        Assert.Equal(256, GpuMemoryPool.SizeClass(0));
        Assert.Equal(256, GpuMemoryPool.SizeClass(256));
        Assert.Equal(1024, GpuMemoryPool.SizeClass(1000));
        Assert.Equal(1280, GpuMemoryPool.SizeClass(1025));
        Assert.Equal(1L << 40, GpuMemoryPool.SizeClass(1L << 40));
        var random = new Random(7);
        for (int i = 0; i < 10_000; i++)
        {
            long bytes = 257 + (long)(random.NextDouble() * random.NextDouble() * (1L << 36));
            long size = GpuMemoryPool.SizeClass(bytes);
            Assert.True(size >= bytes && (size - bytes) * 4 <= bytes, $"{bytes} bytes → class {size}");
        }
        var pool = new GpuMemoryPool(_accelerator);
        using var block = pool.Rent(1025);
        Assert.Equal(1280, block.Bytes);
        Assert.Equal(1025, block.RequestedBytes);
    }

    [Fact]
    public void AReturnedBlockIsReusedForTheNextRentOfItsClass()
    {
        var pool = new GpuMemoryPool(_accelerator);
        var first = pool.Rent(1000);
        var buffer = first.Buffer;
        first.Dispose();
        using var other = pool.Rent(2000);
        Assert.NotSame(buffer, other.Buffer);
        using var second = pool.Rent(900);
        Assert.Same(buffer, second.Buffer);
        Assert.False(buffer.IsDisposed);
    }

    [Fact]
    public void StatisticsFollowRentReturnAndRelease()
    {
        var pool = new GpuMemoryPool(_accelerator);
        var a = pool.Rent(1000);
        Assert.Equal(new GpuMemoryStatistics(1024, 0, 1024), pool.Statistics);
        var b = pool.Rent(3000);
        Assert.Equal(new GpuMemoryStatistics(4096, 0, 4096), pool.Statistics);
        a.Dispose();
        Assert.Equal(new GpuMemoryStatistics(3072, 1024, 4096), pool.Statistics);
        b.Dispose();
        Assert.Equal(new GpuMemoryStatistics(0, 4096, 4096), pool.Statistics);
        var bufferB = pool.Rent(3000);
        Assert.Equal(new GpuMemoryStatistics(3072, 1024, 4096), pool.Statistics);
        bufferB.Dispose();
        pool.ReleaseCached();
        Assert.Equal(new GpuMemoryStatistics(0, 0, 4096), pool.Statistics);
        Assert.Equal(0, pool.InUse);
        Assert.Equal(0, pool.Cached);
        Assert.Equal(4096, pool.PeakInUse);
    }

    [Fact]
    public void BlocksBeyondTheCacheLimitAreFreed()
    {
        var pool = new GpuMemoryPool(_accelerator) { CacheLimit = 1024 };
        var small = pool.Rent(1000);
        var large = pool.Rent(3000);
        var largeBuffer = large.Buffer;
        small.Dispose();
        large.Dispose();
        Assert.Equal(new GpuMemoryStatistics(0, 1024, 4096), pool.Statistics);
        Assert.True(largeBuffer.IsDisposed);
    }

    [Fact]
    public void TenThousandStepsOfMixedSizesDoNotGrow()
    {
        var pool = new GpuMemoryPool(_accelerator);
        var random = new Random(11);
        var mostPerClass = new Dictionary<long, int>();
        var blocks = new List<GpuBlock>();
        for (int step = 0; step < 10_000; step++)
        {
            int count = 1 + random.Next(3);
            for (int i = 0; i < count; i++) blocks.Add(pool.Rent(1 + random.Next(1 << 16)));
            foreach (var group in blocks.GroupBy(b => b.Bytes))
                mostPerClass[group.Key] = Math.Max(mostPerClass.GetValueOrDefault(group.Key), group.Count());
            foreach (var block in blocks) block.Dispose();
            blocks.Clear();
            Assert.Equal(0, pool.InUse);
        }
        // Each class caches at most as many buffers as a step ever held at once.
        long bound = mostPerClass.Sum(pair => pair.Key * pair.Value);
        Assert.InRange(pool.Cached, 1, bound);
        Assert.InRange(pool.PeakInUse, 1, 3 * GpuMemoryPool.SizeClass(1 << 16));
        pool.ReleaseCached();
        Assert.Equal(0, pool.Cached);
    }

    [Fact]
    public void ConcurrentRentsAndReturnsBalance()
    {
        var pool = new GpuMemoryPool(_accelerator);
        Parallel.For(0, 2_000, i =>
        {
            using var block = pool.Rent(100 + i % 700);
            Assert.True(pool.InUse >= block.Bytes);
        });
        Assert.Equal(0, pool.InUse);
        Assert.True(pool.Cached > 0);
    }

    [Fact]
    public void AViewWrittenByAKernelReadsBack()
    {
        var pool = new GpuMemoryPool(_accelerator);
        using var block = pool.Rent(37 * sizeof(float));
        var view = block.View<float>();
        Assert.Equal(37, view.Length);
        var input = Enumerable.Range(0, 37).Select(i => i * 0.5f - 3f).ToArray();
        view.CopyFromCPU(input);
        var addOne = _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>>(AddOne);
        addOne((int)view.Length, view);
        _accelerator.Synchronize();
        Assert.Equal(input.Select(x => x + 1f).ToArray(), view.GetAsArray());
        Assert.Equal(18, block.View<double>().Length);
    }

    [Fact]
    public void OutOfCapacityReleasesTheCacheFirstThenThrowsNamingTheBytes()
    {
        var pool = new GpuMemoryPool(_accelerator, capacityBytes: 4096);
        pool.Rent(3000).Dispose();
        Assert.Equal(3072, pool.Cached);
        // 3072 cached + 2048 > 4096: the cache is released and the retry fits.
        using var held = pool.Rent(2000);
        Assert.Equal(new GpuMemoryStatistics(2048, 0, 3072), pool.Statistics);

        var error = Assert.Throws<GpuOutOfMemoryException>(() => pool.Rent(3000));
        Assert.Equal(3000, error.RequestedBytes);
        Assert.Equal(2048, error.FreeBytes);
        Assert.Contains("requested 3000 bytes", error.Message);
        Assert.Contains("2048 bytes free", error.Message);
        Assert.Contains(_accelerator.Name, error.Message);
        Assert.Contains(_accelerator.AcceleratorType.ToString(), error.Message);
        Assert.Equal(2048, pool.InUse);

        using var fits = pool.Rent(2048);
        Assert.Equal(4096, pool.InUse);
    }

    [Fact]
    public void AnAllocationTheDeviceRefusesThrowsGpuOutOfMemory()
    {
        var pool = new GpuMemoryPool(_accelerator);
        long tooMuch = 1L << 60;
        var error = Assert.Throws<GpuOutOfMemoryException>(() => pool.Rent(tooMuch));
        Assert.Equal(tooMuch, error.RequestedBytes);
        Assert.NotNull(error.InnerException); // the accelerator's own failure, caught and wrapped
        Assert.Contains($"requested {tooMuch} bytes", error.Message);
        Assert.Equal(0, pool.InUse);
    }

    [Fact]
    public void NegativeBytesAreRejected()
    {
        var pool = new GpuMemoryPool(_accelerator);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(-1));
        Assert.Contains("Rent", error.Message);
    }

    [Fact]
    public void DisposingTwiceIsHarmless()
    {
        var pool = new GpuMemoryPool(_accelerator);
        var block = pool.Rent(1000);
        block.Dispose();
        block.Dispose();
        Assert.Equal(new GpuMemoryStatistics(0, 1024, 1024), pool.Statistics);
        Assert.Throws<ObjectDisposedException>(() => block.Buffer);
        using var again = pool.Rent(1000);
        using var another = pool.Rent(1000);
        Assert.NotSame(again.Buffer, another.Buffer);
    }

    [Fact]
    public void TheFinalizerReturnsAForgottenBlock()
    {
        var pool = new GpuMemoryPool(_accelerator);
        var buffer = RentAndForget(pool, 1000);
        CollectGarbage();
        Assert.Equal(new GpuMemoryStatistics(0, 1024, 1024), pool.Statistics);
        Assert.False(buffer.IsDisposed);
        using var reused = pool.Rent(1000);
        Assert.Same(buffer, reused.Buffer);
    }

    [Fact]
    public void AForgottenBlockBeyondTheCacheLimitIsFreedOnTheNextCall()
    {
        var pool = new GpuMemoryPool(_accelerator) { CacheLimit = 0 };
        var buffer = RentAndForget(pool, 1000);
        CollectGarbage();
        Assert.Equal(new GpuMemoryStatistics(0, 0, 1024), pool.Statistics);
        Assert.False(buffer.IsDisposed); // the finalizer never calls the accelerator
        pool.ReleaseCached();
        Assert.True(buffer.IsDisposed);
    }

    [Fact]
    public void BlocksReturnedAfterTheAcceleratorIsDisposedAreOnlyCounted()
    {
        using var context = GpuAccelerators.CreateSimulatorContext();
        var accelerator = GpuAccelerators.CreateSimulator(context);
        var pool = new GpuMemoryPool(accelerator);
        var block = pool.Rent(1000);
        accelerator.Dispose();
        block.Dispose();
        pool.ReleaseCached();
        Assert.Equal(new GpuMemoryStatistics(0, 0, 1024), pool.Statistics);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent(1000));
    }

    [Fact]
    public void EachAcceleratorHasOneSharedPool()
    {
        Assert.Same(GpuMemoryPool.For(_accelerator), GpuMemoryPool.For(_accelerator));
        Assert.Same(_accelerator, GpuMemoryPool.For(_accelerator).Accelerator);
    }

    private static void AddOne(Index1D i, ArrayView<float> values) => values[i] += 1f;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static MemoryBuffer1D<byte, Stride1D.Dense> RentAndForget(GpuMemoryPool pool, long bytes) => pool.Rent(bytes).Buffer;

    private static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
