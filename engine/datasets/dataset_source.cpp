// Implementation of the dataset reader's byte side (see dataset_source.h): chunked reads,
// streaming inflate (bounded output per step, so a highly compressed file cannot flood memory),
// the SHA-256 of the stored bytes, record cutting with a CSV quote state that survives refills.
#include "engine/datasets/dataset_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/core/common.h"

namespace sublab::datasets {

namespace {

int64_t mtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

DatasetSource::DatasetSource(const std::string& path, size_t chunkBytes, size_t maxRecordBytes)
    : m_path(path), m_chunk(std::max<size_t>(chunkBytes, 64)), m_maxRecord(maxRecordBytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error("cannot read the dataset file " + path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw Error(path + " is a folder, not a dataset file");
  m_file = std::fopen(path.c_str(), "rb");
  if (!m_file) throw Error("cannot read the dataset file " + path + ": " + std::strerror(errno));
  m_fileBytes = static_cast<int64_t>(st.st_size);
  m_mtimeNs = mtimeNs(st);
}

DatasetSource::~DatasetSource() {
  if (m_zInit) inflateEnd(&m_z);
  if (m_file) std::fclose(m_file);
}

void DatasetSource::compact() {
  if (m_pos == 0 || m_pos < m_buf.size() / 2) return;
  m_buf.erase(0, m_pos);
  m_scan -= m_pos;
  m_pos = 0;
}

bool DatasetSource::fill() {
  compact();
  for (;;) {
    if (!m_gzip || m_z.avail_in == 0) {
      if (m_eof) return false;
      m_raw.resize(m_chunk);
      const size_t n = std::fread(m_raw.data(), 1, m_chunk, m_file);
      if (n == 0 && std::ferror(m_file))
        throw Error("cannot read the dataset file " + m_path + ": " + std::strerror(errno));
      m_rawBytes += static_cast<int64_t>(n);
      m_sha.update(m_raw.data(), n);
      if (!m_started && n > 0) {
        m_started = true;
        m_gzip = n >= 2 && static_cast<unsigned char>(m_raw[0]) == 0x1f &&
                 static_cast<unsigned char>(m_raw[1]) == 0x8b;
        if (m_gzip) {
          if (inflateInit2(&m_z, 15 + 16) != Z_OK)
            throw Error("cannot start decompressing " + m_path + " (zlib)");
          m_zInit = true;
        }
      }
      if (n == 0) {
        m_eof = true;
        if (m_gzip && !m_zEnded)
          throw Error(m_path +
                      ": the gzip data ends early (the file is truncated, or still being "
                      "written); decompressed text stops after line " +
                      std::to_string(m_line));
        return false;
      }
      if (!m_gzip) {
        m_buf.append(m_raw.data(), n);
        return true;
      }
      m_z.next_in = reinterpret_cast<Bytef*>(m_raw.data());
      m_z.avail_in = static_cast<uInt>(n);
    }
    if (m_zEnded) {  // another gzip member follows (concatenated .gz files are one stream)
      inflateReset(&m_z);
      m_zEnded = false;
    }
    const size_t cap = 4 * m_chunk, old = m_buf.size();
    m_buf.resize(old + cap);
    m_z.next_out = reinterpret_cast<Bytef*>(m_buf.data() + old);
    m_z.avail_out = static_cast<uInt>(cap);
    const int rc = inflate(&m_z, Z_NO_FLUSH);
    const size_t produced = cap - m_z.avail_out;
    m_buf.resize(old + produced);
    if (rc == Z_STREAM_END) {
      m_zEnded = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw Error(m_path + ": the gzip data is damaged near line " + std::to_string(m_line) +
                  " (zlib: " + (m_z.msg ? m_z.msg : "error " + std::to_string(rc)) + ")");
    }
    if (produced > 0) return true;
  }
}

std::string_view DatasetSource::peek(size_t n) {
  while (m_buf.size() - m_pos < n && fill()) {
  }
  if (m_line == 1 && m_pos == 0 && m_buf.compare(0, 3, "\xEF\xBB\xBF") == 0) m_pos = m_scan = 3;
  return std::string_view(m_buf).substr(m_pos, n);
}

bool DatasetSource::scanToRecordEnd(size_t& end) {
  const char* data = m_buf.data();
  const size_t size = m_buf.size();
  if (!m_delimiter) {
    const void* nl = std::memchr(data + m_scan, '\n', size - m_scan);
    if (nl) {
      end = static_cast<size_t>(static_cast<const char*>(nl) - data);
      return true;
    }
    m_scan = size;
    return false;
  }
  // 0 field start, 1 unquoted field, 2 inside quotes, 3 a quote inside quotes (closing or "").
  int s = m_quoteState;
  for (size_t i = m_scan; i < size; ++i) {
    const char c = data[i];
    if (s == 2) {
      if (c == '"') s = 3;
      continue;
    }
    if (c == '\n') {
      end = i;
      m_quoteState = 0;
      return true;
    }
    if (c == m_delimiter)
      s = 0;
    else if (c == '"' && (s == 0 || s == 3))
      s = 2;
    else
      s = 1;
  }
  m_quoteState = s;
  m_scan = size;
  return false;
}

bool DatasetSource::next(Record& r) {
  if (m_line == 1 && m_pos == 0) peek(3);  // drops a BOM
  r = Record{};
  r.line = m_line;
  size_t end = 0;
  bool newline = true;
  while (!scanToRecordEnd(end)) {
    if (m_buf.size() - m_pos > m_maxRecord) {
      // Drop the rest of the record's line without keeping it.
      r.tooLong = true;
      for (;;) {
        const void* nl = std::memchr(m_buf.data() + m_scan, '\n', m_buf.size() - m_scan);
        if (nl) {
          m_pos = m_scan = static_cast<size_t>(static_cast<const char*>(nl) - m_buf.data()) + 1;
          break;
        }
        m_pos = m_scan = m_buf.size();
        if (!fill()) break;
      }
      m_quoteState = 0;
      ++m_line;
      return true;
    }
    if (!fill()) {
      if (m_pos >= m_buf.size()) return false;
      end = m_buf.size();
      newline = false;
      r.openQuote = m_delimiter && m_quoteState == 2;
      m_quoteState = 0;
      break;
    }
  }
  std::string_view text(m_buf.data() + m_pos, end - m_pos);
  m_pos = m_scan = newline ? end + 1 : end;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  r.text = text;
  m_line += 1 + static_cast<int64_t>(std::count(text.begin(), text.end(), '\n'));
  return true;
}

std::string DatasetSource::finish() {
  struct stat st {};
  const bool same = ::stat(m_path.c_str(), &st) == 0 &&
                    static_cast<int64_t>(st.st_size) == m_fileBytes && mtimeNs(st) == m_mtimeNs &&
                    m_rawBytes == m_fileBytes;
  if (!same)
    throw Error(m_path +
                " changed while it was read (its size or modification time differs from "
                "when the import began); import it again once nothing writes to it");
  return m_sha.hexDigest();
}

}  // namespace sublab::datasets
