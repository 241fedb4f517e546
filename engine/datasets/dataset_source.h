// The byte side of the dataset reader: a file read in chunks (inflated when it starts with the
// gzip magic bytes), hashed as stored, with a leading UTF-8 BOM dropped, cut into records (lines;
// for CSV/TSV, lines joined while a quoted field is open), each at most a given size. Internal
// to engine/datasets (dataset_reader.h is the public side).
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "engine/datasets/sha256.h"

namespace sublab::datasets {

struct Record {
  std::string_view text;   // without its line end (\n or \r\n); valid until the next call
  int64_t line = 0;        // 1-based line where it starts
  bool tooLong = false;    // longer than the limit: text is empty, the record was dropped
  bool openQuote = false;  // CSV: the file ended inside a quoted field
};

class DatasetSource {
 public:
  // Opens the file; throws Error when it cannot be opened or read.
  DatasetSource(const std::string& path, size_t chunkBytes, size_t maxRecordBytes);
  ~DatasetSource();
  DatasetSource(const DatasetSource&) = delete;
  DatasetSource& operator=(const DatasetSource&) = delete;

  // Up to `n` bytes of the text ahead (fewer at the end), for format detection.
  std::string_view peek(size_t n);
  // From now on, cut records as CSV with this delimiter (quoted fields may hold line breaks).
  void useCsvQuotes(char delimiter) { m_delimiter = delimiter; }
  // The next record; false at the end of the file.
  bool next(Record& record);
  // At the end: throws Error when the file changed while it was read; returns the SHA-256.
  std::string finish();

  bool gzip() const { return m_gzip; }
  int64_t fileBytes() const { return m_fileBytes; }
  int64_t bytesRead() const { return m_rawBytes; }
  const std::string& path() const { return m_path; }

 private:
  bool fill();  // appends more text; false at the end
  void compact();
  bool scanToRecordEnd(size_t& end);

  std::string m_path;
  std::FILE* m_file = nullptr;
  size_t m_chunk, m_maxRecord;
  int64_t m_fileBytes = 0, m_rawBytes = 0;
  int64_t m_mtimeNs = 0;
  bool m_gzip = false, m_zInit = false, m_zEnded = false, m_eof = false, m_started = false;
  z_stream m_z{};
  std::string m_raw;  // the last raw chunk (gzip input)
  Sha256 m_sha;
  std::string m_buf;  // text; m_pos is the start of the next record
  size_t m_pos = 0;
  size_t m_scan = 0;  // where the scan for the record's end goes on
  int m_quoteState = 0;
  char m_delimiter = 0;  // 0: records are lines
  int64_t m_line = 1;
};

}  // namespace sublab::datasets
