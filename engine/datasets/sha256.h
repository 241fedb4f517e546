// SHA-256 (FIPS 180-4), incremental: the dataset reader hashes a file while it streams it, so an
// import records which bytes it read without a second pass. Plain C++, no dependencies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sublab {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest as 64 lowercase hex digits; the object must not be updated afterwards.
  std::string hexDigest();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> m_state;
  std::array<uint8_t, 64> m_buffer{};
  size_t m_buffered = 0;
  uint64_t m_bytes = 0;
};

// The hex digest of `data` in one call.
std::string sha256Hex(std::string_view data);

}  // namespace sublab
