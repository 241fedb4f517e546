// Which matrix-multiply kernels the BLAS under libtorch uses, reported with each run: results for a
// fixed seed are float-equal across kernel sets only within rounding (each sums in its own order),
// and the speed of a run depends on them. OpenBLAS picks its kernels by CPU when it loads, unless
// OPENBLAS_CORETYPE names a set (some machines set it, e.g. to Haswell for the same results on
// every CPU of a cluster; the AVX-512 sets were 1.4x faster for bench_lm on an AMD EPYC Zen 5).
#pragma once

#include <string>

namespace sublab {

struct BlasKernels {
  std::string core;  // OpenBLAS's kernel set ("Haswell", "Cooperlake", ...); "" when not OpenBLAS
  std::string why;   // one line: who chose it
};

// What the BLAS uses in this process.
const BlasKernels& blasKernels();

}  // namespace sublab
