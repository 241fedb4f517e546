// Replays every committed fuzz input (tests/fuzz/corpus/<target>/ and the crash reproducers in
// tests/fuzz/regressions/<target>/) through the same entry functions as the libFuzzer targets,
// so the ordinary test suite keeps every input found by fuzzing fixed.
// Usage: fuzz_replay            (every input of every entry this build has)
//        fuzz_replay TARGET FILE...   (the given files through one entry, e.g. a new crash)
#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tests/fuzz/fuzz_entries.h"

namespace fs = std::filesystem;
using sublab::fuzz::Entry;

namespace {

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs one input; prints and returns false when anything but sublab::Error escaped.
bool replay(const Entry& entry, const fs::path& file) {
  try {
    entry.fn(readFile(file));
    return true;
  } catch (const std::exception& e) {
    std::cerr << "FAIL " << entry.name << " " << file.string() << ": " << e.what() << "\n";
  } catch (...) {
    std::cerr << "FAIL " << entry.name << " " << file.string() << ": a non-standard exception\n";
  }
  return false;
}

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<Entry> entries = sublab::fuzz::entries();
  if (argc >= 3) {
    const auto it = std::find_if(entries.begin(), entries.end(),
                                 [&](const Entry& e) { return e.name == std::string(argv[1]); });
    if (it == entries.end()) {
      std::cerr << "fuzz_replay: no target " << argv[1] << " in this build\n";
      return 2;
    }
    int failed = 0;
    for (int i = 2; i < argc; ++i) failed += !replay(*it, argv[i]);
    return failed == 0 ? 0 : 1;
  }
  const fs::path root = fs::path(SUBLAB_SOURCE_DIR) / "tests/fuzz";
  int failed = 0;
  for (const Entry& entry : entries) {
    const auto seeds = filesIn(root / "corpus" / entry.name);
    const auto regressions = filesIn(root / "regressions" / entry.name);
    // A target without seeds would pass here having tested nothing.
    if (seeds.empty()) {
      std::cerr << "FAIL " << entry.name << ": no seed inputs in tests/fuzz/corpus/" << entry.name
                << "/\n";
      ++failed;
    }
    int ok = 0;
    for (const auto& file : seeds) ok += replay(entry, file);
    for (const auto& file : regressions) ok += replay(entry, file);
    const size_t total = seeds.size() + regressions.size();
    failed += static_cast<int>(total) - ok;
    std::cout << entry.name << ": " << ok << "/" << total << " inputs replayed cleanly ("
              << regressions.size() << " regression inputs)\n";
  }
  if (failed) std::cerr << "fuzz_replay: " << failed << " failure(s)\n";
  return failed == 0 ? 0 : 1;
}
