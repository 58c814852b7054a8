#!/usr/bin/env bash
# GPU check for visualbackprop: provider actually used, masks' agreement with the CPU, bench table.
# Run from a checkout after `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`, on a machine with an NVIDIA
# GPU, CUDA 12 and cuDNN 9. Takes a few minutes; writes its log to gpu-check.log (override: $1).
set -uo pipefail
cd "$(dirname "$0")/.."
log="${1:-gpu-check.log}"
bin=node_modules/onnxruntime-node/bin/napi-v6/linux/x64

say() { echo "gpu-check: $*" | tee -a "$log"; }
: >"$log"

command -v node >/dev/null || { say "node is not installed (Node.js 20 or newer is needed)"; exit 2; }
[ -d node_modules/onnxruntime-node ] || { say "node_modules is missing: run 'ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci' first"; exit 2; }
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/gpu-check: gpu: /' | tee -a "$log"
else
  say "nvidia-smi not found: no NVIDIA driver visible; the cuda provider will fall back to cpu"
fi
for lib in libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
  if [ ! -f "$bin/$lib" ]; then
    say "$bin/$lib is missing; fetching the CUDA 12 provider from NuGet"
    ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js 2>&1 | tee -a "$log" ||
      say "could not install it (no network?); see docs/gpu.md"
    break
  fi
done
if [ -f "$bin/libonnxruntime_providers_cuda.so" ] && command -v ldd >/dev/null; then
  unresolved=$(LD_LIBRARY_PATH="$bin:${LD_LIBRARY_PATH:-}" ldd "$bin/libonnxruntime_providers_cuda.so" | grep 'not found')
  if [ -n "$unresolved" ]; then
    say "the CUDA provider cannot find these libraries (CUDA 12 and cuDNN 9 must be on LD_LIBRARY_PATH):"
    echo "$unresolved" | tee -a "$log"
  else
    say "the CUDA provider's libraries all resolve"
  fi
fi
if [ ! -f dist/bench/gpu-check.js ] || [ bench/gpu-check.ts -nt dist/bench/gpu-check.js ]; then
  say "compiling TypeScript"
  npx tsc -p . >>"$log" 2>&1 || say "tsc reported errors (see $log); running what was emitted"
fi
[ -f dist/bench/gpu-check.js ] || { say "dist/bench/gpu-check.js was not built"; exit 2; }

# ONNX Runtime warns on stderr when nodes leave the GPU (each such boundary is a copy per run).
timeout 290 node dist/bench/gpu-check.js "--runs=${RUNS:-30}" 2> >(tee -a "$log.stderr" >&2) | tee -a "$log"
status=${PIPESTATUS[0]}
if grep -q "were not assigned to the preferred execution providers" "$log.stderr" 2>/dev/null; then
  say "ONNX Runtime placed some nodes on the CPU (shape ops are expected there); see $log.stderr"
fi
[ "$status" = 124 ] && say "timed out after 290 s"
say "exit status $status; full log in $log"
exit "$status"
