#!/usr/bin/python3
"""Reference timings for Engine.Bench's quick mode: NumPy/OpenBLAS and PyTorch CPU, or PyTorch CUDA, on the same cases.

Reads from stdin   {"threads": t, "device": "cpu"|"cuda:N", "seconds": s, "statistic": "median"|"best",
"cases": [CaseSpec, ...]}   (CaseSpec as Engine.Bench serialises it: name, kind = gemm|unary|softmax|sum|mlpStep,
dtype = float32|float64, gemm {m, k, n, transposeA}, op, outer, length, layers) and prints to stdout one JSON object:
    {"threads": t, "info": {...}, "notes": [...], "results": [{"case", "numpyMs", "torchMs"}, ...]}
Each figure is the median (or, with statistic "best", the fastest) ms per call over batches of >= 10 ms after a
warm-up, as Engine.Bench times its own calls. The caller sets OPENBLAS_NUM_THREADS / OMP_NUM_THREADS per process and
removes OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE;
threadpoolctl is used on top when it is installed. A missing library becomes a note, never an error.

With device "cuda:N" (or `--device cuda` on the command line) NumPy is skipped and PyTorch runs every case on that
GPU in float32 with TF32 off (cuBLAS and cuDNN), each timed call ending with torch.cuda.synchronize(); the
"copy" case is y.copy_(x) between two device buffers, and the MNIST epochs take their batches from the host.
"""
import contextlib
import ctypes
import io
import os
import json
import sys
import time

MIN_BATCH_SECONDS = 0.01
DEVICE = "cpu"  # where PyTorch runs: "cpu" or "cuda:N", set by main
WARMUP_SECONDS = 0.15


def batch_ms(call, seconds, statistic):
    start = time.perf_counter()
    calls = 0
    while calls < 2 or time.perf_counter() - start < WARMUP_SECONDS:
        call()
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    batch = max(1, int(MIN_BATCH_SECONDS / per_call))
    samples = []
    start = time.perf_counter()
    while not samples or time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter() - t0) / batch)
    samples.sort()
    return 1e3 * (samples[0] if statistic == "best" else samples[len(samples) // 2])


def loaded_libraries(fragment):
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if fragment in line and "/" in line}
        return sorted(paths)
    except OSError:
        return []


def openblas_core(info):
    """Which OpenBLAS core (kernel set) the loaded BLAS picked, via threadpoolctl or the library itself."""
    try:
        import threadpoolctl
        for pool in threadpoolctl.threadpool_info():
            if pool.get("internal_api") == "openblas":
                info["openblasCore"] = pool.get("architecture")
                info["openblasVersion"] = pool.get("version")
                return
    except ImportError:
        pass
    for path in loaded_libraries("blas"):
        try:
            lib = ctypes.CDLL(path)
            corename = lib.openblas_get_corename
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        config = lib.openblas_get_config
        config.restype = ctypes.c_char_p
        info["openblasCore"] = corename().decode()
        info["openblasConfig"] = config().decode()
        info["openblasThreads"] = lib.openblas_get_num_threads()
        info["openblasLibrary"] = path
        return


def import_numpy(threads, info, notes):
    try:
        import numpy
    except ImportError as error:
        notes.append(f"numpy not available ({error}); no numpy figures")
        return None
    info["numpy"] = numpy.__version__
    try:
        import threadpoolctl
        info["numpyThreadControl"] = "threadpoolctl"
        import_numpy.limits = threadpoolctl.threadpool_limits(limits=threads)
    except ImportError:
        info["numpyThreadControl"] = "OPENBLAS_NUM_THREADS/OMP_NUM_THREADS"
    with contextlib.redirect_stdout(io.StringIO()) as shown:
        try:
            numpy.show_config()
        except Exception:  # show_config's format varies by version; it is informative only
            pass
    blas = [line.strip() for line in shown.getvalue().splitlines() if "libraries" in line]
    info["numpyShowConfigBlas"] = blas[0] if blas else "?"
    openblas_core(info)
    return numpy


def import_torch(threads, info, notes, device="cpu"):
    try:
        import torch
    except ImportError as error:
        notes.append(f"torch not available ({error}); no torch figures")
        return None
    torch.set_num_threads(threads)
    info["torch"] = torch.__version__
    info["torchThreads"] = torch.get_num_threads()
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            notes.append(f"torch {torch.__version__} has no CUDA device; no torch figures")
            return None
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.set_default_device(device)
        global DEVICE
        DEVICE = device
        info["torchDevice"] = f"{device} {torch.cuda.get_device_name(torch.device(device))}"
        info["cuda"] = torch.version.cuda
        info["cudnn"] = torch.backends.cudnn.version()
        info["tf32"] = "off"
    return torch


def synchronised(torch, call):
    """GPU calls are queued asynchronously: a timed call ends when the device has finished it."""
    if call is None or not DEVICE.startswith("cuda"):
        return call

    def run():
        call()
        torch.cuda.synchronize()
    return run


def numpy_call(np, case):
    if case["kind"] != "gemm":
        return None
    g = case["gemm"]
    rng = np.random.default_rng(1)
    dtype = np.dtype(case["dtype"])
    a_shape = (g["k"], g["m"]) if g["transposeA"] else (g["m"], g["k"])
    a = rng.uniform(-1, 1, a_shape).astype(dtype)
    a = a.T if g["transposeA"] else a
    b = rng.uniform(-1, 1, (g["k"], g["n"])).astype(dtype)
    c = np.empty((g["m"], g["n"]), dtype)
    return lambda: np.matmul(a, b, out=c)


def torch_unary(torch, name):
    """Out-variants where torch has them, so no call allocates fresh (page-faulting) output memory."""
    return {
        "exp": lambda x, y: torch.exp(x, out=y),
        "sigmoid": lambda x, y: torch.sigmoid(x, out=y),
        "tanh": lambda x, y: torch.tanh(x, out=y),
        "gelu": lambda x, y: torch._C._nn.gelu(x, out=y),
        "relu": lambda x, y: torch.clamp_min(x, 0, out=y),
    }.get(name)


def torch_mlp_step(torch, case, dtype, gen):
    """One SGD step of the MLP: linear + ReLU layers, cross-entropy, backward, update without grad."""
    layers, batch = case["layers"], case["length"]
    x = torch.randn(batch, layers[0], dtype=dtype, generator=gen).to(DEVICE)
    labels = torch.arange(batch) % layers[-1]
    params = []
    for fan_in, fan_out in zip(layers, layers[1:]):
        bound = fan_in ** -0.5
        w = ((torch.rand(fan_in, fan_out, dtype=dtype, generator=gen) * 2 - 1) * bound).requires_grad_()
        b = ((torch.rand(fan_out, dtype=dtype, generator=gen) * 2 - 1) * bound).requires_grad_()
        params.append((w, b))

    def step():
        h = x
        for i, (w, b) in enumerate(params):
            h = torch.addmm(b, h, w)
            if i < len(params) - 1:
                h = torch.relu(h)
        torch.nn.functional.cross_entropy(h, labels).backward()
        with torch.no_grad():
            for w, b in params:
                for p in (w, b):
                    p.sub_(p.grad, alpha=0.01)
                    p.grad = None
    return step


def torch_conv(torch, case, dtype, gen):
    c = case["conv"]
    x = torch.rand((c["batch"], c["inChannels"], c["height"], c["width"]), generator=gen, dtype=dtype) * 2 - 1
    w = torch.rand((c["outChannels"], c["inChannels"], c["kernel"], c["kernel"]), generator=gen, dtype=dtype) * 0.2 - 0.1
    b = torch.rand((c["outChannels"],), generator=gen, dtype=dtype) * 0.2 - 0.1
    conv = torch.nn.functional.conv2d
    padding = c["padding"]

    def forward():
        with torch.no_grad():
            conv(x, w, b, padding=padding)
    return forward


def torch_cnn_step(torch, case, dtype, gen):
    """One SGD step of the small MNIST CNN (the convolution issue's reference model), as CnnStepWorkload."""
    batch = case["length"]
    x = torch.rand((batch, 1, 28, 28), generator=gen, dtype=dtype)
    labels = torch.arange(batch) % 10
    shapes = [((32, 1, 3, 3), 9), ((32,), 9), ((64, 32, 3, 3), 288), ((64,), 288),
              ((128, 1600), 1600), ((128,), 1600), ((10, 128), 128), ((10,), 128)]
    params = [((torch.rand(s, generator=gen, dtype=dtype) * 2 - 1) * fan ** -0.5).requires_grad_() for s, fan in shapes]
    F = torch.nn.functional

    def step():
        h = F.max_pool2d(F.relu(F.conv2d(x, params[0], params[1])), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, params[2], params[3])), 2)
        h = F.relu(F.linear(h.flatten(1), params[4], params[5]))
        F.cross_entropy(F.linear(h, params[6], params[7]), labels).backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=0.01)
                p.grad = None
    return step


def mnist_train_digits(torch):
    """The bundled 8,000 training digits (data/mnist, gzipped IDX) as float [N, 1, 28, 28] in [0, 1] and int64 labels."""
    import gzip
    folder = os.path.join(os.environ.get("ENGINE_REPO", "."), "data", "mnist")
    with gzip.open(os.path.join(folder, "train-images-idx3-ubyte.gz")) as f:
        images = f.read()[16:]
    with gzip.open(os.path.join(folder, "train-labels-idx1-ubyte.gz")) as f:
        labels = f.read()[8:]
    x = torch.frombuffer(bytearray(images), dtype=torch.uint8).float().div(255).reshape(-1, 1, 28, 28)
    y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    return x, y


def torch_epoch(torch, case, dtype, gen):
    """One epoch of the model-API issue's MNIST CNN or MLP: Adam 1e-3, batch 128, shuffled, as EpochWorkload.
    The digits stay on the host and each batch is copied to the device, as Fit does."""
    nn = torch.nn
    device = DEVICE
    with torch.device("cpu") if device != "cpu" else contextlib.nullcontext():
        x, y = mnist_train_digits(torch)
        order_gen = torch.Generator().manual_seed(1)
    if case["op"] == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    else:
        x = x.reshape(-1, 784)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        model.train()
        order = torch.randperm(x.shape[0], generator=order_gen, device="cpu")
        for start in range(0, x.shape[0], 128):
            rows = order[start:start + 128]
            optimizer.zero_grad()
            loss = loss_fn(model(x[rows].to(device)), y[rows].to(device))
            loss.backward()
            optimizer.step()
            (loss.item())  # Keras-style running loss, as Fit reports it
    return epoch


def torch_call(torch, case):
    return synchronised(torch, torch_call_unsynchronised(torch, case))


def torch_call_unsynchronised(torch, case):
    dtype = getattr(torch, case["dtype"])
    gen = torch.Generator(device=DEVICE).manual_seed(1)
    kind = case["kind"]
    if kind == "mlpStep":
        return torch_mlp_step(torch, case, dtype, gen)
    if kind == "conv":
        return torch_conv(torch, case, dtype, gen)
    if kind == "cnnStep":
        return torch_cnn_step(torch, case, dtype, gen)
    if kind == "epoch":
        return torch_epoch(torch, case, dtype, gen)
    if kind == "gemm":
        g = case["gemm"]
        a = torch.rand(g["k"], g["m"], dtype=dtype, generator=gen).t() if g["transposeA"] \
            else torch.rand(g["m"], g["k"], dtype=dtype, generator=gen)
        b = torch.rand(g["k"], g["n"], dtype=dtype, generator=gen)
        c = torch.empty(g["m"], g["n"], dtype=dtype)
        return lambda: torch.matmul(a, b, out=c)
    # Same input ranges as Engine.Bench: [-4, 4) for unary and softmax, [-1, 1) for sum.
    scale = 1.0 if kind == "sum" else 4.0
    x = (torch.rand(case["outer"], case["length"], dtype=dtype, generator=gen) * 2 - 1) * scale
    y = torch.empty_like(x)
    if kind == "copy":
        return lambda: y.copy_(x)
    if kind == "unary":
        op = torch_unary(torch, case["op"])
        return (lambda: op(x, y)) if op else None
    if kind == "softmax":
        return lambda: torch._softmax(x, -1, False, out=y)
    if kind == "sum":
        return lambda: torch.sum(x)
    return None


def timed(make_call, lib, case, seconds, statistic, notes, label):
    if lib is None:
        return None
    try:
        call = make_call(lib, case)
        return batch_ms(call, seconds, statistic) if call else None
    except Exception as error:  # one failing case must not lose the others
        notes.append(f"{label} {case['name']}: {type(error).__name__}: {error}")
        return None


def main():
    request = json.load(sys.stdin)
    threads = int(request["threads"])
    seconds = float(request.get("seconds", 0.5))
    statistic = request.get("statistic", "median")
    info, notes = {}, []
    device = request.get("device") or "cpu"
    if "--device" in sys.argv[1:-1]:
        device = sys.argv[sys.argv.index("--device") + 1]
    device = "cuda:0" if device == "cuda" else device
    info["device"] = device
    # glibc keeps freed blocks when the bench sets these (see PythonReference.cs): no page faults per call.
    info["mallocMmapThreshold"] = os.environ.get("MALLOC_MMAP_THRESHOLD_", "default")
    on_gpu = device.startswith("cuda")
    np = None if on_gpu else import_numpy(threads, info, notes)
    torch = import_torch(threads, info, notes, device)
    results = []
    for case in request["cases"]:
        results.append({
            "case": case["name"],
            "numpyMs": timed(numpy_call, np, case, seconds, statistic, notes, "numpy"),
            "torchMs": timed(torch_call, torch, case, seconds, statistic, notes, "torch"),
        })
    json.dump({"threads": threads, "device": device, "info": info, "notes": notes, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
