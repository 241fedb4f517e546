// The entry functions of the fuzz targets: each feeds one input of outside bytes to one parser
// of the program. An input the parser refuses (sublab::Error, the one clear message) is fine;
// anything else escaping (another exception, a crash, a sanitizer report, a broken invariant,
// which throws FuzzInvariant) is a bug. The libFuzzer executables (fuzz_target.cpp, SUBLAB_FUZZ)
// and the ordinary ctest replay (replay_main.cpp) call the same functions.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sublab::fuzz {

// A property the parser promises did not hold for an input it accepted.
struct FuzzInvariant : std::logic_error {
  using std::logic_error::logic_error;
};

using EntryFn = void (*)(std::string_view data);

struct Entry {
  const char* name;  // the target's name: fuzz_<name>, tests/fuzz/corpus/<name>/
  EntryFn fn;
};

// Torch-free parsers (fuzz_parsers.cpp, fuzz_storage.cpp).
void numberFilter(std::string_view data);     // completion text -> format rule + every filter
void idxReader(std::string_view data);        // IDX file bytes, raw; or gzip of them (1st byte)
void tokenizerLoad(std::string_view data);    // tokenizer.json [NUL text to encode]
void tokenizerEncode(std::string_view data);  // arbitrary text through the fixture tokenizers
void chatTemplate(std::string_view data);     // chat_template [NUL message content]
void database(std::string_view data);         // arbitrary file opened, migrated, read as a project
void slurmManifest(std::string_view data);    // arbitrary file read as a sweep manifest
void datasetReader(std::string_view data);    // dataset file bytes [gzip/format byte first]
// Need the engine's kind registry, which needs libtorch (fuzz_engine.cpp; replay only).
void shard(std::string_view data);      // arbitrary file merged as a Slurm shard database
void config(std::string_view data);     // config JSON -> normalizeConfig
void sweepPlan(std::string_view data);  // sweep plan JSON -> parseSweepPlan

// The entries this build has (the torch-free ones, plus the engine's in a full build).
std::vector<Entry> entries();

// A per-process scratch folder (created once) and a file in it holding `data`.
std::string scratchDir();
std::string writeScratch(const std::string& name, std::string_view data);
// gzip (not zlib) framing of `data` (fuzz_parsers.cpp).
std::string gzipped(std::string_view data);

}  // namespace sublab::fuzz
