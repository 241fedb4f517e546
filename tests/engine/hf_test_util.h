// Helpers shared by the Hugging Face tests (tokenizer, chat template, model, LoRA): fixture paths,
// JSON files, running an oracle program and reading what it wrote. Torch-free: the tokenizer and
// chat-template tests are built in the sanitizer's parsers-only build, which has no libtorch
// (the tensor helpers are in hf_test_tensor.h).
#pragma once

#include <QtTest/QtTest>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engine/core/common.h"
#include "tests/storage/expect_error.h"

namespace hftest {

using sublab::test::errorOf;

inline std::filesystem::path sourceDir() { return SUBLAB_SOURCE_DIR; }
inline std::filesystem::path fixtureDir() { return sourceDir() / "tests/fixtures/hf"; }
inline std::string fixture(const std::string& name) { return (fixtureDir() / name).string(); }

inline std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json readJson(const std::filesystem::path& path) {
  return nlohmann::json::parse(readText(path));
}

inline void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Runs `command` through the shell with stderr into `log`; "" when it exited 0, else what it said.
inline std::string run(const std::string& command, const std::filesystem::path& log) {
  const int rc = std::system((command + " 2> '" + log.string() + "'").c_str());
  if (rc == 0) return {};
  return "`" + command + "` failed (status " + std::to_string(rc) + "): " + readText(log);
}

// A text shown in a failure message: JSON-escaped, so control characters are visible.
inline std::string shown(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hftest
