using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace Engine.Tests.Gpu;

/// <summary>
/// Compiles a kernel with ILGPU's two GPU code generators, without a device, so tests can read what they emit: PTX
/// for sm_70, and OpenCL C 1.2 for a device with doubles but no subgroups and no generic address space (PoCL's profile,
/// where warp shuffles cannot be used).
/// </summary>
internal sealed class KernelCompiler : IDisposable
{
    private readonly Context _context = Context.Create(builder => builder.EnableAlgorithms());
    private readonly PTXBackend _ptx;
    private readonly CLBackend _openCl;

    /// <summary>The two code generators in one context.</summary>
    /// <param name="int64Atomics">Whether the OpenCL device offers 64-bit atomics.</param>
    public KernelCompiler(bool int64Atomics = false)
    {
        _ptx = new PTXBackend(_context, new CudaCapabilityContext(CudaArchitecture.SM_70), CudaArchitecture.SM_70,
            CudaInstructionSet.ISA_70, nvvmAPI: null);
        var capabilities = new CLCapabilityContext(float16: false, float64: true, genericAddressSpace: false,
            int64_Atomics: int64Atomics, subGroups: false);
        _openCl = new CLBackend(_context, capabilities, CLDeviceVendor.Other, CLCVersion.CL12);
    }

    /// <summary>The PTX assembly of <paramref name="entry"/>.</summary>
    public string Ptx(EntryPointDescription entry) =>
        ((PTXCompiledKernel)_ptx.Compile(entry, default(KernelSpecialization))).PTXAssembly;

    /// <summary>The OpenCL C source of <paramref name="entry"/>.</summary>
    public string OpenCl(EntryPointDescription entry) =>
        ((CLCompiledKernel)_openCl.Compile(entry, default(KernelSpecialization))).Source;

    public void Dispose()
    {
        _openCl.Dispose();
        _ptx.Dispose();
        _context.Dispose();
    }
}
