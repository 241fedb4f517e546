// IDX reading (see idx_reader.h): whole file into memory, gunzip with zlib when it starts with
// the gzip magic, then header parsing with size checks. Every failure names the file and says
// how to get a good copy.
#include "engine/aux/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/core/common.h"

namespace sublab {
namespace {

const char* kFixHint =
    "install the package dataset-fashion-mnist, or point data.dir at a folder with the four "
    "IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
    "t10k-labels-idx1-ubyte; raw or .gz)";

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error("IDX file " + path + ": " + what + " — " + kFixHint);
}

std::vector<uint8_t> readAll(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path, "missing or not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot be opened for reading (check permissions)");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) fail(path, "read error");
  return bytes;
}

// Inflates a gzip stream (possibly several concatenated members) completely.
std::vector<uint8_t> gunzip(const std::string& path, const std::vector<uint8_t>& packed) {
  std::vector<uint8_t> out;
  out.reserve(packed.size() * 4);
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail(path, "zlib could not be initialized");
  zs.next_in = const_cast<Bytef*>(packed.data());
  zs.avail_in = static_cast<uInt>(packed.size());
  std::vector<uint8_t> chunk(1 << 20);
  int rc = Z_OK;
  while (true) {
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows (concatenated .gz files are valid).
      if (inflateReset(&zs) != Z_OK) break;
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      fail(path, "the gzip stream ends early (truncated download?)");
    }
    if (rc != Z_OK) {
      const std::string msg = zs.msg ? zs.msg : "unknown zlib error";
      inflateEnd(&zs);
      fail(path, "corrupt gzip data (" + msg + ")");
    }
  }
  inflateEnd(&zs);
  return out;
}

uint32_t bigEndian32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

}  // namespace

IdxArray readIdx(const std::string& path, int expectedDims) {
  std::vector<uint8_t> bytes = readAll(path);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) bytes = gunzip(path, bytes);
  if (bytes.size() < 4) fail(path, "too short to hold an IDX header (empty or truncated file)");
  if (bytes[0] != 0 || bytes[1] != 0)
    fail(path, "wrong magic number (not an IDX file: the first two bytes must be zero)");
  if (bytes[2] != 0x08) {
    std::ostringstream os;
    os << "unsupported IDX element type 0x" << std::hex << int(bytes[2])
       << " (only unsigned bytes, 0x08, are supported)";
    fail(path, os.str());
  }
  const int nd = bytes[3];
  if (nd < 1 || nd > 4) fail(path, "wrong magic number (" + std::to_string(nd) + " dimensions)");
  if (expectedDims > 0 && nd != expectedDims)
    fail(path, "has " + std::to_string(nd) + " dimensions, expected " +
                   std::to_string(expectedDims) + " (images have 3, labels 1)");
  const size_t header = 4 + 4 * static_cast<size_t>(nd);
  if (bytes.size() < header) fail(path, "truncated inside the header");
  IdxArray arr;
  uint64_t total = 1;
  for (int d = 0; d < nd; ++d) {
    const uint32_t n = bigEndian32(bytes.data() + 4 + 4 * d);
    if (n == 0 || n > (1u << 30)) fail(path, "implausible dimension " + std::to_string(n));
    total *= n;
    if (total > (uint64_t(1) << 34)) fail(path, "implausibly large (header is corrupt?)");
    arr.dims.push_back(n);
  }
  const uint64_t have = bytes.size() - header;
  if (have < total)
    fail(path, "truncated: the header promises " + std::to_string(total) + " bytes of data, " +
                   "the file holds " + std::to_string(have));
  if (have > total)
    fail(path, "has " + std::to_string(have - total) +
                   " bytes beyond what its header describes (corrupt or not IDX)");
  arr.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return arr;
}

std::string findIdxFile(const std::string& folder, const std::string& stem) {
  // stem like "train-images-idx3-ubyte"; also accept "train-images.idx3-ubyte".
  std::vector<std::string> names = {stem};
  const auto dash = stem.find("-idx");
  if (dash != std::string::npos) {
    std::string dotted = stem;
    dotted[dash] = '.';
    names.push_back(dotted);
  }
  std::error_code ec;
  for (const auto& n : names) {
    for (const char* ext : {"", ".gz"}) {
      const std::filesystem::path p = std::filesystem::path(folder) / (n + ext);
      if (std::filesystem::exists(p, ec)) return p.string();
    }
  }
  return {};
}

IdxDataset loadIdxDataset(const std::string& folder) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec))
    throw Error("dataset folder " + folder + " does not exist — " + kFixHint);
  auto locate = [&](const std::string& stem) {
    std::string p = findIdxFile(folder, stem);
    if (p.empty())
      throw Error("dataset folder " + folder + " has no " + stem + " (nor " + stem + ".gz) — " +
                  kFixHint);
    return p;
  };
  IdxDataset ds;
  ds.folder = folder;
  const std::string trainImg = locate("train-images-idx3-ubyte");
  const std::string trainLab = locate("train-labels-idx1-ubyte");
  const std::string testImg = locate("t10k-images-idx3-ubyte");
  const std::string testLab = locate("t10k-labels-idx1-ubyte");
  ds.trainImages = readIdx(trainImg, 3);
  ds.trainLabels = readIdx(trainLab, 1);
  ds.testImages = readIdx(testImg, 3);
  ds.testLabels = readIdx(testLab, 1);
  if (ds.trainImages.dims[0] != ds.trainLabels.dims[0])
    fail(trainLab, "holds " + std::to_string(ds.trainLabels.dims[0]) + " labels for " +
                       std::to_string(ds.trainImages.dims[0]) + " images in " + trainImg);
  if (ds.testImages.dims[0] != ds.testLabels.dims[0])
    fail(testLab, "holds " + std::to_string(ds.testLabels.dims[0]) + " labels for " +
                      std::to_string(ds.testImages.dims[0]) + " images in " + testImg);
  if (ds.trainImages.dims[1] != ds.testImages.dims[1] ||
      ds.trainImages.dims[2] != ds.testImages.dims[2])
    fail(testImg, "image size differs from the training images in " + trainImg);
  ds.rows = ds.trainImages.dims[1];
  ds.cols = ds.trainImages.dims[2];
  int maxLabel = 0;
  for (uint8_t l : ds.trainLabels.data) maxLabel = std::max(maxLabel, int(l));
  ds.classes = maxLabel + 1;
  if (ds.classes < 2) fail(trainLab, "has fewer than two classes");
  for (uint8_t l : ds.testLabels.data)
    if (int(l) >= ds.classes)
      fail(testLab, "has label " + std::to_string(int(l)) + " that never occurs in training");
  return ds;
}

}  // namespace sublab
