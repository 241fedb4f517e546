// Reading and writing safetensors files (Hugging Face's weight format): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the data.
// Files are mapped read-only (mmap) and every header field is checked before any byte is used:
// a damaged or hostile file gives one sublab::Error naming the file and what is wrong, never a
// crash or a huge allocation. Only F32, F16 and BF16 are accepted (others are refused by name).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sublab::hf {

enum class StDType { F32, F16, BF16 };

struct StTensorInfo {
  StDType dtype = StDType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte range within the data section (after the header)
  uint64_t end = 0;
};

// One mapped .safetensors file. Move-only; the mapping lives as long as the object.
class SafetensorsFile {
 public:
  // Maps and validates `path`; throws sublab::Error on any problem.
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return m_path; }
  const std::map<std::string, StTensorInfo>& tensors() const { return m_tensors; }
  bool has(const std::string& name) const { return m_tensors.count(name) != 0; }
  // A copy of the tensor converted to `dtype` on `device` (contiguous, owns its memory).
  torch::Tensor load(const std::string& name, torch::ScalarType dtype,
                     torch::Device device = torch::kCPU) const;

 private:
  std::string m_path;
  const uint8_t* m_map = nullptr;
  uint64_t m_size = 0;
  const uint8_t* m_data = nullptr;  // start of the data section
  std::map<std::string, StTensorInfo> m_tensors;
};

// A model's weights: one model.safetensors, or shards listed by model.safetensors.index.json.
class SafetensorsCheckpoint {
 public:
  // Opens the weights of a Hugging Face model folder (index first, then model.safetensors).
  static SafetensorsCheckpoint openFolder(const std::string& folder);
  // Opens one file (an adapter, a logits fixture).
  static SafetensorsCheckpoint openFile(const std::string& path);

  std::vector<std::string> names() const;
  bool has(const std::string& name) const { return m_where.count(name) != 0; }
  const StTensorInfo& info(const std::string& name) const;
  torch::Tensor load(const std::string& name, torch::ScalarType dtype,
                     torch::Device device = torch::kCPU) const;
  // Where the weights came from (for messages).
  const std::string& source() const { return m_source; }

 private:
  std::string m_source;
  std::vector<std::shared_ptr<SafetensorsFile>> m_files;
  std::map<std::string, size_t> m_where;  // tensor name -> index in m_files
};

// Writes `tensors` (F32, F16 or BF16; other dtypes are converted to F32) in name order, with
// optional string metadata (PEFT writes {"format": "pt"}). Throws sublab::Error on I/O failure.
void writeSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

const char* dtypeName(StDType t);

}  // namespace sublab::hf
