#!/usr/bin/env bash
# The GPU check, one script: build the headless targets against the machine's CUDA libtorch (PyTorch 2.x), then
# run the engine on the GPU. Debian packages the image lacks travel as .deb files in DEBS (unpacked with dpkg -x).
# Usage: scripts/gpu/check_cuda.sh DEBS_DIR OUT_DIR [more targets...]
set -uo pipefail
debs=$1; out=$2; shift 2
root=/tmp/sysroot; rm -rf "$root"; mkdir -p "$root"
for d in "$debs"/*.deb; do dpkg -x "$d" "$root"; done
# Datasets go where the app looks for them.
[[ -d $root/usr/share/datasets ]] && mkdir -p /usr/share/datasets && cp -r "$root"/usr/share/datasets/* /usr/share/datasets/
lib=$root/usr/lib/x86_64-linux-gnu
export CPATH=$root/usr/include LIBRARY_PATH=$lib LD_LIBRARY_PATH=$lib:${LD_LIBRARY_PATH:-}
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
command -v pkg-config >/dev/null || { ln -sf "$root/usr/bin/pkgconf" /usr/local/bin/pkg-config; }
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
start=$(date +%s)
cmake -S . -B /tmp/b -G Ninja -DCMAKE_BUILD_TYPE=Release -DSUBLAB_BUILD_GUI=OFF -DSUBLAB_BUILD_TESTS=OFF \
  -DSUBLAB_BUILD_BENCH=ON -DCMAKE_PREFIX_PATH="$torch_prefix;$root/usr" \
  -DSQLite3_INCLUDE_DIR=$root/usr/include -DSQLite3_LIBRARY=$lib/libsqlite3.so > "$out/configure.log" 2>&1 \
  || { tail -30 "$out/configure.log"; exit 1; }
ninja -C /tmp/b sublab gpu_hf_check "$@" > "$out/build.log" 2>&1 || { grep -m5 -B2 -A8 "error" "$out/build.log"; exit 1; }
echo "build: $(( $(date +%s) - start )) s, $(grep -c 'Building CXX' "$out/build.log") objects"
grep -m3 -i "warning" "$out/build.log" | head -3

# 1. The chat-numbers experiment end to end on the GPU (bf16), on the demo checkpoint.
t=$(date +%s)
/tmp/b/app/sublab demo-model /tmp/demo-chat --threads 8 > "$out/demo-model.out" 2>&1
/tmp/b/app/sublab validate --preset chat-numbers-demo --json 2>/dev/null \
  | python3 -c 'import json,sys; c=json.load(sys.stdin); c["model"]["folder"]="/tmp/demo-chat"; print(json.dumps(c))' \
  > /tmp/chat-demo.json
timeout 120 /tmp/b/app/sublab run --config /tmp/chat-demo.json --device cuda --db "$out/gpu.sqlite" \
  > "$out/chat-demo.out" 2> "$out/chat-demo.err"
echo "chat-numbers-demo --device cuda: rc $? in $(( $(date +%s) - t )) s (demo model included)"
grep -A12 "^conditions" "$out/chat-demo.out"; tail -2 "$out/chat-demo.err"

# 2. engine/hf on CUDA in bf16 against the transformers fixtures, a LoRA step, then throughput in
#    Qwen2.5-0.5B and -7B shapes (compare with bench_peer.py's transformers + peft figures).
timeout ${HF_CHECK_TIMEOUT:-200} /tmp/b/bench/gpu_hf_check tests/fixtures/hf --bench --7b 2>&1 | tee "$out/hf_check.txt"
# 3. The toy experiments on the GPU, timed.
for preset in owl-numbers-quick aux-fashion-100; do
  t=$(date +%s)
  timeout ${PRESET_TIMEOUT:-150} /tmp/b/app/sublab run --preset "$preset" --device cuda --db "$out/gpu.sqlite" \
    > "$out/$preset.out" 2> "$out/$preset.err"
  echo "$preset --device cuda: rc $? in $(( $(date +%s) - t )) s"; tail -4 "$out/$preset.out"; tail -2 "$out/$preset.err"
done
