#!/usr/bin/env bash
# Builds engine/hf against the machine's PyTorch 2.x (CUDA) libtorch and runs bench/gpu_hf_check
# (fixtures on CUDA in bf16, a LoRA step). Needs g++ with C++20 and nlohmann-json headers
# (NLOHMANN_INC, default build/gpu_inc). Usage: bench/gpu_hf_check.sh [OUT_DIR]
set -euo pipefail
out=${1:-/tmp/gpu_hf_check}
mkdir -p "$out"
torch_dir=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
abi=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
g++ --version | head -1
inc=(-I. -I"${NLOHMANN_INC:-build/gpu_inc}" -isystem "$torch_dir/include" -isystem "$torch_dir/include/torch/csrc/api/include")
objs=()
for f in engine/hf/safetensors.cpp engine/hf/hf_config.cpp engine/hf/hf_model.cpp engine/hf/hf_lora.cpp bench/gpu_hf_check.cpp; do
  o="$out/$(basename "$f" .cpp).o"
  g++ -std=c++20 -O2 -D_GLIBCXX_USE_CXX11_ABI="$abi" "${inc[@]}" -c "$f" -o "$o" &
  objs+=("$o")
done
wait
g++ -o "$out/gpu_hf_check" "${objs[@]}" -L"$torch_dir/lib" -Wl,--no-as-needed -ltorch -ltorch_cuda -ltorch_cpu -lc10_cuda -lc10 -Wl,-rpath,"$torch_dir/lib"
"$out/gpu_hf_check" tests/fixtures/hf
