using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Engine.IO;
using Engine.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace Engine.Tests.IO;

/// <summary>The safetensors reader and writer: a file laid out as Python's safetensors does, a file read by NumPy, round trips, bad bytes.</summary>
public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("engine-safetensors-").FullName;

    /// <summary>Removes the test's files.</summary>
    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "IO", "Fixtures", name);

    [Fact]
    public void A_file_laid_out_like_Pythons_safetensors_loads_exactly()
    {
        var file = SafeTensors.Load(Fixture("reference.safetensors"));

        Assert.Equal(["bias", "empty", "index", "mask", "scalar", "weight"], file.Tensors.Select(t => t.Key).Order());
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal((DType.Float32, new Shape(2, 3)), (file["weight"].DType, file["weight"].Shape));
        Assert.Equal([1.0f, -0.5f, 3.25f, 1e-30f, -0.0f, 65504.0f], file["weight"].ToArray<float>());
        Assert.True(float.IsNegative(file["weight"].ToArray<float>()[4]), "-0.0 keeps its sign");
        Assert.Equal([0.1, -2.5, 1e300], file["bias"].ToArray<double>());
        Assert.Equal([0, -1, int.MaxValue, int.MinValue], file["index"].ToArray<int>());
        Assert.Equal((DType.Int32, new Shape(2, 2)), (file["index"].DType, file["index"].Shape));
        Assert.Equal((DType.Bool, new Shape(3)), (file["mask"].DType, file["mask"].Shape));
        Assert.Equal([true, false, true], file["mask"].ToArray<bool>());
        Assert.Equal((0, 7.5f), (file["scalar"].Rank, file["scalar"].Item<float>()));
        Assert.Equal(new Shape(0, 4), file["empty"].Shape);
    }

    private const string NumpyReader = """
        import json, struct, sys
        import numpy as np
        raw = open(sys.argv[1], "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        data = raw[8 + n:]
        types = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "BOOL": "?"}
        out = {"__metadata__": header.pop("__metadata__", {})}
        for name, e in header.items():
            begin, end = e["data_offsets"]
            a = np.frombuffer(data[begin:end], dtype=types[e["dtype"]]).reshape(e["shape"])
            out[name] = {"shape": list(a.shape), "values": [float(v) if a.dtype.kind == "f" else int(v) for v in a.ravel()]}
        print(json.dumps(out))
        """;

    [Fact]
    public void NumPy_reads_our_files_with_the_same_values()
    {
        var g = new Generator(17);
        var weight = Tensor.Randn(new Shape(3, 4), generator: g);
        var wide = Tensor.Randn(new Shape(5), DType.Float64, generator: g);
        var index = Tensor.FromArray(new[] { 3, -7, int.MaxValue });
        var mask = Tensor.FromArray(new[] { false, true });
        var strided = Tensor.Randn(new Shape(4, 3), generator: g).Transpose(0, 1); // written as a contiguous copy
        var path = Path.Combine(_folder, "ours.safetensors");
        SafeTensors.Save(path, [new("weight", weight), new("wide", wide), new("index", index), new("mask", mask), new("strided", strided)],
            new Dictionary<string, string> { ["note"] = "from C#" });

        var script = Path.Combine(_folder, "read.py");
        File.WriteAllText(script, NumpyReader);
        var read = JsonNode.Parse(RunPython(script, path))!;

        Assert.Equal("from C#", (string?)read["__metadata__"]!["note"]);
        void Same(string name, Tensor t)
        {
            Assert.Equal(t.Shape.AsSpan().ToArray(), read[name]!["shape"]!.AsArray().Select(d => (int)d!));
            var values = read[name]!["values"]!.AsArray().Select(v => (double)v!).ToArray();
            Assert.Equal(t.To(DType.Float64).ToArray<double>(), values);
        }
        Same("weight", weight);
        Same("wide", wide);
        Same("index", index);
        Same("mask", mask.To(DType.Int32));
        Same("strided", strided);
    }

    /// <summary>Runs the system Python (CI has python3 with NumPy) and returns its output.</summary>
    private static string RunPython(string script, string argument)
    {
        var start = new ProcessStartInfo("/usr/bin/python3", [script, argument]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "python3 did not finish in 60 s");
        Assert.True(process.ExitCode == 0, $"python3 failed: {errors.Result}");
        return output.Result;
    }

    /// <summary>A tensor of any saved dtype and a small shape (rank 0–4, empty axes included) filled with random bytes.</summary>
    private static Gen<Tensor> AnyTensor() =>
        from dtype in Gen.Elements(DType.Float32, DType.Float64, DType.Int32, DType.Bool)
        from rank in Gen.Choose(0, 4)
        from shape in Gen.ArrayOf(Gen.Choose(0, 4), rank)
        from seed in Gen.Choose(0, int.MaxValue)
        select Filled(dtype, shape, seed);

    private static Tensor Filled(DType dtype, int[] shape, int seed)
    {
        var s = new Shape(shape);
        var bytes = new byte[s.NumElements * dtype.SizeOf()];
        new Random(seed).NextBytes(bytes); // any bit pattern, NaN payloads included
        if (dtype == DType.Bool) for (int i = 0; i < bytes.Length; i++) bytes[i] &= 1;
        return Tensor.FromBytes(bytes, s, dtype);
    }

    [Fact]
    public void Any_tensors_round_trip_bit_for_bit()
    {
        Prop.ForAll(Gen.ListOf(AnyTensor()).ToArbitrary(), tensors =>
        {
            var path = Path.Combine(_folder, $"{Guid.NewGuid():N}.safetensors");
            var named = tensors.Select((t, i) => new KeyValuePair<string, Tensor>($"t{i}/x", t)).ToList();
            SafeTensors.Save(path, named, new Dictionary<string, string> { ["k"] = "v\u00e9\"" });
            var file = SafeTensors.Load(path);
            File.Delete(path);
            return file.Metadata["k"] == "v\u00e9\"" && file.Tensors.Count == named.Count && named.All(n =>
                file[n.Key].DType == n.Value.DType && file[n.Key].Shape.Equals(n.Value.Shape) && file[n.Key].ToBytes().SequenceEqual(n.Value.ToBytes()));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void The_data_starts_8_byte_aligned()
    {
        var path = Path.Combine(_folder, "aligned.safetensors");
        SafeTensors.Save(path, [new("odd_name_x", Tensor.Ones(new Shape(3)))]);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8);
    }

    [Fact]
    public void Mutated_or_random_bytes_give_InvalidDataException_naming_the_source_or_parse()
    {
        var path = Path.Combine(_folder, "valid.safetensors");
        SafeTensors.Save(path, [new("a", Tensor.Ones(new Shape(2, 3))), new("b", Tensor.FromArray(new[] { true, false })),
            new("c", Tensor.Zeros(new Shape(4), DType.Float64))], new Dictionary<string, string> { ["m"] = "x" });
        var valid = File.ReadAllBytes(path);
        var mutations = from count in Gen.Choose(1, 4)
                        from positions in Gen.ArrayOf(Gen.Choose(0, valid.Length - 1), count)
                        from values in Gen.ArrayOf(Gen.Choose(0, 255), count)
                        from cut in Gen.Choose(0, valid.Length)
                        select (positions, values, cut);
        Prop.ForAll(mutations.ToArbitrary(), m =>
        {
            var bytes = (byte[])valid.Clone();
            for (int i = 0; i < m.positions.Length; i++) bytes[m.positions[i]] = (byte)m.values[i];
            return ParsesOrNamesSource(bytes) && ParsesOrNamesSource(valid[..m.cut]);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).ToArbitrary(), ParsesOrNamesSource).QuickCheckThrowOnFailure();
    }

    private static bool ParsesOrNamesSource(byte[] bytes)
    {
        try
        {
            SafeTensors.Parse(bytes, "the-source");
            return true;
        }
        catch (InvalidDataException e)
        {
            return e.Message.StartsWith("the-source", StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_gap_an_overlap_or_trailing_bytes_are_refused()
    {
        static byte[] File(string header, int dataBytes)
        {
            var json = System.Text.Encoding.UTF8.GetBytes(header);
            var bytes = new byte[8 + json.Length + dataBytes];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
            json.CopyTo(bytes, 8);
            return bytes;
        }
        Assert.Contains("belong to no tensor", Assert.Throws<InvalidDataException>(() =>
            SafeTensors.Parse(File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8), "f")).Message);
        Assert.Contains("overlaps", Assert.Throws<InvalidDataException>(() => SafeTensors.Parse(File(
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8), "f")).Message);
        Assert.Contains("holds 12 data bytes", Assert.Throws<InvalidDataException>(() =>
            SafeTensors.Parse(File("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 12), "f")).Message);
        Assert.Contains("dtype F16", Assert.Throws<InvalidDataException>(() =>
            SafeTensors.Parse(File("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", 4), "f")).Message);
        Assert.Contains("3 data_offsets", Assert.Throws<InvalidDataException>(() =>
            SafeTensors.Parse(File("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}""", 4), "f")).Message);
    }

    [Fact]
    public void A_missing_file_gives_FileNotFoundException()
    {
        var path = Path.Combine(_folder, "none", "x.safetensors");
        Assert.Contains(path, Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(path)).Message);
    }
}
