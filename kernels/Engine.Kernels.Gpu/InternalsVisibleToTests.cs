using System.Runtime.CompilerServices;

// The tests compile the internal kernel methods for the CUDA and OpenCL backends without a device.
[assembly: InternalsVisibleTo("Engine.Tests")]
