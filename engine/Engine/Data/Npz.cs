using System.IO.Compression;
using Engine.Tensors;

namespace Engine.Data;

/// <summary>
/// NumPy's .npz format: a zip archive (stored or deflated) holding one .npy file per array; the
/// array's name is the entry name without ".npy" (np.savez names unnamed arrays arr_0, arr_1, …).
/// </summary>
public static class Npz
{
    /// <summary>Loads every array in the .npz file at <paramref name="path"/>, by name, in archive order.</summary>
    /// <exception cref="InvalidDataException">The file is not a zip archive or an entry is not a valid .npy array; the message names the file and entry.</exception>
    public static IReadOnlyDictionary<string, Tensor> Load(string path)
    {
        ZipArchive archive;
        try { archive = ZipFile.OpenRead(path); }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Npz '{path}': not a zip archive ({e.Message}).", e);
        }
        using (archive)
        {
            var arrays = new Dictionary<string, Tensor>();
            foreach (var entry in archive.Entries)
            {
                string name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                arrays[name] = LoadEntry(entry, $"{path}:{entry.FullName}");
            }
            return arrays;
        }
    }

    private static Tensor LoadEntry(ZipArchiveEntry entry, string source)
    {
        try
        {
            using var stream = entry.Open();
            return Npy.Load(stream, source);
        }
        catch (InvalidDataException e) when (!e.Message.Contains(source, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Npz '{source}': the entry cannot be decompressed ({e.Message}).", e);
        }
    }

    /// <summary>Saves named tensors (float32, float64, int32 or bool) as an .npz archive that np.load reads.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="arrays">The arrays by name (each becomes the entry name + ".npy").</param>
    /// <param name="compress">Deflate the entries (np.savez_compressed) rather than store them (np.savez).</param>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> arrays, bool compress = false)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, tensor) in arrays)
        {
            var entry = archive.CreateEntry(name + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            using var stream = entry.Open();
            Npy.Save(stream, tensor);
        }
    }
}
