// Implementation of the BLAS kernel report (see blas_kernels.h).
#include "engine/core/blas_kernels.h"

#include <dlfcn.h>

#include <cstdlib>

namespace sublab {

namespace {

BlasKernels find() {
  BlasKernels out;
  // OpenBLAS's public API, looked up at run time: another BLAS (MKL in a CUDA libtorch) is fine.
  using CoreNameFn = char* (*)();
  const auto coreName = reinterpret_cast<CoreNameFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!coreName) {
    out.why = "the BLAS is not OpenBLAS";
    return out;
  }
  const char* core = coreName();
  out.core = core ? core : "";
  const char* chosen = std::getenv("OPENBLAS_CORETYPE");
  out.why = chosen && *chosen ? std::string("OPENBLAS_CORETYPE=") + chosen + " was set"
                              : std::string("OpenBLAS's choice for this CPU");
  return out;
}

}  // namespace

const BlasKernels& blasKernels() {
  static const BlasKernels kernels = find();
  return kernels;
}

}  // namespace sublab
