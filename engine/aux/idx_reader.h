// Reader for IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed, and for a
// folder holding the four standard files. Validates magic, dimensions and size, and throws
// sublab::Error naming the file and what to do. Plain C++ (no torch) so tests can use it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sublab {

// One IDX array of unsigned bytes (type code 0x08): dims as stored, data in row-major order.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
  int64_t count() const { return dims.empty() ? 0 : dims[0]; }
};

// Reads `path` (raw, or gzip when the file starts with the gzip magic). Throws Error when the
// file is missing, unreadable, not gzip-valid, has a wrong magic, or holds fewer or more bytes
// than its header promises. `expectedDims` (0 = any) is checked when given (e.g. 3 for images).
IdxArray readIdx(const std::string& path, int expectedDims = 0);

// The four files of an image-classification set, already validated against each other.
struct IdxDataset {
  std::string folder;
  IdxArray trainImages, trainLabels, testImages, testLabels;  // images [n, rows, cols]
  int64_t rows = 0, cols = 0;
  int64_t classes = 0;  // max label + 1
};

// Finds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte in `folder` (each raw, .gz, or with '.' instead of the first '-' after
// "images"/"labels"), reads and cross-checks them.
IdxDataset loadIdxDataset(const std::string& folder);

// The first path that exists among the accepted spellings of `stem` in `folder`, or "".
std::string findIdxFile(const std::string& folder, const std::string& stem);

}  // namespace sublab
