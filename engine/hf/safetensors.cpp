#include "engine/hf/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/core/common.h"

namespace sublab::hf {

namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; this reader copies it as is");

// The safetensors library refuses headers above 100 MB; so do we, before allocating anything.
constexpr uint64_t kMaxHeader = 100ull * 1024 * 1024;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error("safetensors file " + path + ": " + what +
              ". The file is damaged or not a safetensors file; download or save it again.");
}

uint64_t elementSize(StDType t) { return t == StDType::F32 ? 4 : 2; }

torch::ScalarType scalarType(StDType t) {
  switch (t) {
    case StDType::F32:
      return torch::kFloat32;
    case StDType::F16:
      return torch::kFloat16;
    case StDType::BF16:
      return torch::kBFloat16;
  }
  return torch::kFloat32;
}

StDType parseDType(const std::string& path, const std::string& name, const std::string& s) {
  if (s == "F32") return StDType::F32;
  if (s == "F16") return StDType::F16;
  if (s == "BF16") return StDType::BF16;
  throw Error("safetensors file " + path + ": tensor '" + name + "' has dtype " + s +
              ", which is not supported (only F32, F16 and BF16 weights are).");
}

StTensorInfo parseEntry(const std::string& path, const std::string& name, const nlohmann::json& e,
                        uint64_t dataSize) {
  if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") ||
      !e.contains("data_offsets") || !e["dtype"].is_string() || !e["shape"].is_array() ||
      !e["data_offsets"].is_array() || e["data_offsets"].size() != 2)
    fail(path,
         "the header entry of tensor '" + name + "' lacks a dtype, shape or two data_offsets");
  StTensorInfo t;
  t.dtype = parseDType(path, name, e["dtype"].get<std::string>());
  uint64_t numel = 1;
  for (const auto& d : e["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0)
      fail(path, "tensor '" + name + "' has a shape entry that is not a non-negative integer");
    const auto v = d.get<uint64_t>();
    if (v != 0 && numel > (uint64_t(1) << 62) / v)
      fail(path, "tensor '" + name + "' has a shape too large to exist");
    numel *= v;
    t.shape.push_back(int64_t(v));
  }
  for (const auto& o : e["data_offsets"])
    if (!o.is_number_unsigned())
      fail(path, "tensor '" + name + "' has a data offset that is not a non-negative integer");
  t.begin = e["data_offsets"][0].get<uint64_t>();
  t.end = e["data_offsets"][1].get<uint64_t>();
  if (t.begin > t.end || t.end > dataSize)
    fail(path, "tensor '" + name + "' has data offsets [" + std::to_string(t.begin) + ", " +
                   std::to_string(t.end) + "] outside the " + std::to_string(dataSize) +
                   " bytes of data (truncated file?)");
  if (t.end - t.begin != numel * elementSize(t.dtype))
    fail(path, "tensor '" + name + "' takes " + std::to_string(t.end - t.begin) +
                   " bytes but its shape and dtype need " +
                   std::to_string(numel * elementSize(t.dtype)));
  return t;
}

// Parses the header, refusing duplicate names (nlohmann would silently keep the last one).
nlohmann::json parseHeader(const std::string& path, const char* text, size_t size) {
  std::set<std::string> seen;
  std::string duplicate;
  auto cb = [&](int depth, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
    if (ev == nlohmann::json::parse_event_t::key && depth == 1 &&
        !seen.insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(text, text + size, cb);
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("its header is not valid JSON (") + e.what() + ")");
  }
  if (!duplicate.empty()) fail(path, "its header names tensor '" + duplicate + "' twice");
  if (!h.is_object()) fail(path, "its header is not a JSON object");
  return h;
}

}  // namespace

const char* dtypeName(StDType t) {
  switch (t) {
    case StDType::F32:
      return "F32";
    case StDType::F16:
      return "F16";
    case StDType::BF16:
      return "BF16";
  }
  return "?";
}

SafetensorsFile::SafetensorsFile(const std::string& path) : m_path(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open safetensors file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error("safetensors file " + path + " is not a regular file");
  }
  m_size = uint64_t(st.st_size);
  if (m_size < 8) {
    ::close(fd);
    fail(path,
         "it is " + std::to_string(m_size) + " bytes long, shorter than the 8-byte header length");
  }
  void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED)
    throw Error("cannot map safetensors file " + path + ": " + std::strerror(errno));
  m_map = static_cast<const uint8_t*>(p);
  try {
    uint64_t n = 0;
    std::memcpy(&n, m_map, 8);
    if (n > kMaxHeader || n > m_size - 8)
      fail(path, "its header length " + std::to_string(n) + " exceeds the file size " +
                     std::to_string(m_size) + " (or the 100 MB limit)");
    const nlohmann::json h = parseHeader(path, reinterpret_cast<const char*>(m_map) + 8, n);
    m_data = m_map + 8 + n;
    const uint64_t dataSize = m_size - 8 - n;
    std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::string>> ranges;
    for (const auto& [name, e] : h.items()) {
      if (name == "__metadata__") continue;
      StTensorInfo t = parseEntry(path, name, e, dataSize);
      if (t.end > t.begin) ranges.push_back({{t.begin, t.end}, name});
      m_tensors.emplace(name, std::move(t));
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
      if (ranges[i].first.first < ranges[i - 1].first.second)
        fail(path, "the data of tensors '" + ranges[i - 1].second + "' and '" + ranges[i].second +
                       "' overlap");
  } catch (...) {
    ::munmap(const_cast<uint8_t*>(m_map), m_size);
    m_map = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (m_map) ::munmap(const_cast<uint8_t*>(m_map), m_size);
}

torch::Tensor SafetensorsFile::load(const std::string& name, torch::ScalarType dtype,
                                    torch::Device device) const {
  const auto it = m_tensors.find(name);
  if (it == m_tensors.end())
    throw Error("safetensors file " + m_path + " has no tensor '" + name + "'");
  const StTensorInfo& t = it->second;
  // Copy out of the mapping first: the data may be unaligned for its dtype, and the tensor
  // must outlive the mapping.
  torch::Tensor raw = torch::empty(t.shape, torch::TensorOptions().dtype(scalarType(t.dtype)));
  if (t.end > t.begin) std::memcpy(raw.data_ptr(), m_data + t.begin, t.end - t.begin);
  return raw.to(device, dtype).contiguous();
}

SafetensorsCheckpoint SafetensorsCheckpoint::openFile(const std::string& path) {
  SafetensorsCheckpoint c;
  c.m_source = path;
  c.m_files.push_back(std::make_shared<SafetensorsFile>(path));
  for (const auto& [name, info] : c.m_files[0]->tensors()) c.m_where[name] = 0;
  return c;
}

SafetensorsCheckpoint SafetensorsCheckpoint::openFolder(const std::string& folder) {
  namespace fs = std::filesystem;
  const fs::path index = fs::path(folder) / "model.safetensors.index.json";
  const fs::path single = fs::path(folder) / "model.safetensors";
  if (!fs::exists(index)) {
    if (!fs::exists(single))
      throw Error("model folder " + folder +
                  " has neither model.safetensors nor model.safetensors.index.json; point it at a "
                  "Hugging Face checkpoint folder (PyTorch .bin weights are not supported)");
    return openFile(single.string());
  }
  nlohmann::json j;
  try {
    std::ifstream in(index);
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(index.string() + " is not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
    throw Error(index.string() + " has no \"weight_map\" object");
  SafetensorsCheckpoint c;
  c.m_source = index.string();
  std::map<std::string, size_t> fileIndex;
  for (const auto& [name, file] : j["weight_map"].items()) {
    if (!file.is_string())
      throw Error(index.string() + ": the shard of '" + name + "' is not a string");
    const std::string f = file.get<std::string>();
    // Shards live next to the index: no paths out of the folder.
    if (f.empty() || f.find('/') != std::string::npos || f.find('\\') != std::string::npos ||
        f == ".." || f == ".")
      throw Error(index.string() + ": shard name '" + f + "' is not a plain file name");
    if (!fileIndex.count(f)) {
      fileIndex[f] = c.m_files.size();
      c.m_files.push_back(std::make_shared<SafetensorsFile>((fs::path(folder) / f).string()));
    }
    const size_t k = fileIndex[f];
    if (!c.m_files[k]->has(name))
      throw Error(index.string() + " says tensor '" + name + "' is in " + f +
                  ", but that shard lacks it");
    c.m_where[name] = k;
  }
  return c;
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [n, k] : m_where) out.push_back(n);
  return out;
}

const StTensorInfo& SafetensorsCheckpoint::info(const std::string& name) const {
  const auto it = m_where.find(name);
  if (it == m_where.end()) throw Error(m_source + " has no tensor '" + name + "'");
  return m_files[it->second]->tensors().at(name);
}

torch::Tensor SafetensorsCheckpoint::load(const std::string& name, torch::ScalarType dtype,
                                          torch::Device device) const {
  const auto it = m_where.find(name);
  if (it == m_where.end()) throw Error(m_source + " has no tensor '" + name + "'");
  return m_files[it->second]->load(name, dtype, device);
}

void writeSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, torch::Tensor>> sorted;
  for (const auto& [name, t] : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU);
    if (c.scalar_type() != torch::kFloat32 && c.scalar_type() != torch::kFloat16 &&
        c.scalar_type() != torch::kBFloat16)
      c = c.to(torch::kFloat32);
    sorted.emplace_back(name, c.contiguous());
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  nlohmann::json h = nlohmann::json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : sorted) {
    const uint64_t bytes = uint64_t(t.numel()) * uint64_t(t.element_size());
    const char* dt = t.scalar_type() == torch::kFloat32   ? "F32"
                     : t.scalar_type() == torch::kFloat16 ? "F16"
                                                          : "BF16";
    h[name] = {
        {"dtype", dt}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string header = h.dump();
  // Pad with spaces to a multiple of 8 so the data section is aligned (as the library does).
  header.append((8 - header.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot write " + path + ": " + std::strerror(errno));
  const uint64_t n = header.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out.write(header.data(), std::streamsize(header.size()));
  for (const auto& [name, t] : sorted)
    out.write(static_cast<const char*>(t.data_ptr()),
              std::streamsize(t.numel() * t.element_size()));
  out.close();
  if (!out) throw Error("writing " + path + " failed (disk full?)");
}

}  // namespace sublab::hf
