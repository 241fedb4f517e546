// One libFuzzer executable per entry: SUBLAB_FUZZ_ENTRY names the entry function (CMake sets it).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sublab::fuzz::SUBLAB_FUZZ_ENTRY(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
