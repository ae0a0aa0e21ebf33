using System.Runtime.CompilerServices;

// ILGPU's CPU accelerator emits the kernel launchers into a dynamic assembly named ILGPURuntime; it must see the
// internal parameter structs (GpuShape, GpuStrides) the kernels take.
[assembly: InternalsVisibleTo("ILGPURuntime")]
