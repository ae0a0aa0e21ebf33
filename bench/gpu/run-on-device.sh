#!/usr/bin/env bash
# The GPU machine's bench run (see bench/gpu/README.md). From the repository root of the device tool's copy:
#
#   bash bench/gpu/run-on-device.sh            # carry: ["bench/gpu/out/engine-bench-linux-x64.tar.gz"]
#
# Unpacks the self-contained bench made by bench/gpu/publish.sh, prints nvidia-smi and the hardware report, runs the
# GPU self-check (exit 1 on a normalised error above 1e-6), then the quick mode on the GPU in two parts (kernels, then
# training), with --compare when a Python with a CUDA-enabled PyTorch is found. Everything lands in $OUT.
# Environment: OUT (default /tmp/engine-bench-out), ENGINE_BENCH_DEVICE (cuda; "simulator" to test this script
# without a GPU), ENGINE_BENCH_KERNELS / ENGINE_BENCH_TRAINING (quick-mode filters), ENGINE_BENCH_SECONDS (measuring
# time per case, 1), ENGINE_BENCH_BUDGET_S (seconds for the whole run, 450).
set -uo pipefail

OUT=${OUT:-/tmp/engine-bench-out}
DEVICE=${ENGINE_BENCH_DEVICE:-cuda}
KERNELS=${ENGINE_BENCH_KERNELS:-sgemm|copy|exp|sigmoid|tanh|gelu|relu|softmax|sum}
TRAINING=${ENGINE_BENCH_TRAINING:-mlp-step|conv|cnn-step|epoch}
MEASURE=${ENGINE_BENCH_SECONDS:-1}
BUDGET=${ENGINE_BENCH_BUDGET_S:-450}
TARBALL=${ENGINE_BENCH_TARBALL:-bench/gpu/out/engine-bench-linux-x64.tar.gz}
START=$(date +%s)

mkdir -p "$OUT"
exec > >(tee -a "$OUT/run.log") 2>&1

section() { echo; echo "== $* ($(( $(date +%s) - START )) s)"; }
left() { echo $(( BUDGET - ($(date +%s) - START) )); }

section "unpack"
if [[ ! -f "$TARBALL" ]]; then
    echo "no $TARBALL: make it with bench/gpu/publish.sh and carry it"
    exit 3
fi
ls -l "$TARBALL"
BENCH_DIR=$(mktemp -d)
tar xzf "$TARBALL" -C "$BENCH_DIR" || exit 3
BENCH="$BENCH_DIR/Engine.Bench"
chmod +x "$BENCH"

section "nvidia-smi"
if command -v nvidia-smi >/dev/null; then
    nvidia-smi | tee "$OUT/nvidia-smi.txt"
    nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,clocks.max.mem,power.limit,driver_version --format=csv \
        | tee -a "$OUT/nvidia-smi.txt"
else
    echo "nvidia-smi not found"
fi

section "python / pytorch"
PYTHON=""
COMPARE=()
for candidate in python3 /usr/bin/python3 /usr/local/bin/python3 python; do
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if "$path" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        PYTHON=$path
        break
    fi
done
if [[ -n "$PYTHON" && "$DEVICE" == cuda* ]]; then
    "$PYTHON" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "on", torch.cuda.get_device_name(0))'
    COMPARE=(--compare --python "$PYTHON")
else
    echo "no Python with a CUDA-enabled PyTorch found (or not a CUDA run): no PyTorch comparison"
fi

section "hardware report and self-check"
timeout 150 "$BENCH" selfcheck --device "$DEVICE" | tee "$OUT/selfcheck.txt"
SELFCHECK=${PIPESTATUS[0]}
echo "selfcheck exit code $SELFCHECK"

# Two parts, each writing its own JSON, so a part that runs out of time loses only itself.
run_part() {
    local name=$1 filter=$2 share=$3
    local limit=$(( $(left) * share / 100 ))
    section "quick $name on $DEVICE (limit ${limit} s): $filter"
    if (( limit < 30 )); then echo "skipped: no time left"; return; fi
    mkdir -p "$OUT/$name"
    ENGINE_BENCH_RESULTS="$OUT/$name" timeout "$limit" "$BENCH" quick "$filter" --device "$DEVICE" \
        --threads "$(nproc)" --seconds "$MEASURE" --warmup 0.3 "${COMPARE[@]}" \
        > "$OUT/$name/quick.md" 2> "$OUT/$name/progress.log"
    echo "exit code $?"
    cat "$OUT/$name/quick.md"
}
run_part kernels "$KERNELS" 50
run_part training "$TRAINING" 100

section "done"
ls -l "$OUT" "$OUT"/*/ 2>/dev/null
exit $(( SELFCHECK == 0 ? 0 : 1 ))
