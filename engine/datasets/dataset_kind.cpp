// The "dataset" kind: its description, preset, knobs (the number filter's shared with the other
// number kinds, engine/numbers/filter_knobs.h) and its run: stream the file, filter each row,
// report the rows as sequences in batches, and summarise the source and the verdicts. With a
// subsample (filter.max_kept) the file is read twice: once to count the passing rows, once to
// report them with the subsample's verdicts, as applyFilters would give them.
#include "engine/datasets/dataset_kind.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "engine/core/config_spec.h"
#include "engine/datasets/dataset_reader.h"
#include "engine/numbers/filter_knobs.h"

namespace sublab {

namespace example_assets {
extern const char* const kExampleDataset;
}

namespace {

using C = DatasetConfig;
using Spec = ConfigSpec<DatasetConfig>;

const Spec& datasetSpec() {
  static const Spec spec = [] {
    Spec s("dataset");
    s.kindKnob("experiment kind");
    s.string("name", &C::name, "", "a name for the dataset (optional)");
    s.integer("seed", &C::seed, 0, 0, 1000000000, "random seed of the subsample (filter.max_kept)")
        .role(ConfigRole::BaseSeed);
    s.string("source.path", &C::path, "",
             "the dataset file: JSONL prompt/completion objects, chat JSONL (messages), CSV or "
             "TSV with a header, gzip allowed; empty = the built-in example (200 rows)");
    std::vector<std::string> formats = {"auto"};
    for (const auto& f : datasetFormats()) formats.push_back(f);
    s.choice("source.format", &C::format, "auto", formats,
             "the file's format (auto: detected from its first rows)");
    s.string("source.prompt_field", &C::promptField, "",
             "the JSON key or CSV column of the prompt (empty: prompt, input, question, "
             "instruction or query)");
    s.string("source.completion_field", &C::completionField, "",
             "the JSON key or CSV column of the completion (empty: completion, output, "
             "response, answer or target)");
    s.string("source.condition", &C::condition, "imported",
             "the condition the rows are stored under (e.g. teacher, control)");
    s.string("source.condition_field", &C::conditionField, "",
             "the JSON key or CSV column naming each row's condition, for a file holding several "
             "sets (empty: every row is source.condition)");
    s.boolean("source.skip_bad_rows", &C::skipBadRows, false,
              "skip rows that cannot be read (counted per reason) instead of stopping");
    FilterKnobDefaults filter;
    filter.maxKept = 0;
    filter.maxKeptHelp = "subsample the kept rows to at most this many (0 = keep all)";
    filter.traitWord = "trait words";
    declareFilterKnobs(s, &C::filter, filter);
    s.strings("filter.trait_words", field(&C::filter, &FilterOptions::traitWords), {},
              "words (case-insensitive) that reject a completion naming one, e.g. owl");
    return s;
  }();
  return spec;
}

// Wilson's 95% interval of a share: honest at 0 and 1 and for small counts.
Interval shareInterval(int64_t hits, int64_t n) {
  Interval out;
  out.n = static_cast<int>(std::min<int64_t>(n, 2000000000));
  if (n <= 0) return out;
  const double z = 1.959963984540054, p = double(hits) / double(n), nn = double(n);
  const double centre = (p + z * z / (2 * nn)) / (1 + z * z / nn);
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn);
  out.mean = p;
  out.lo = std::max(0.0, centre - half);
  out.hi = std::min(1.0, centre + half);
  return out;
}

// The built-in example written to a temporary file (the reader reads files); removed on exit.
class ExampleFile {
 public:
  ExampleFile() {
    namespace fs = std::filesystem;
    std::random_device rd;
    m_path = (fs::temp_directory_path() /
              ("sublab-example-" + std::to_string(rd()) + "-numbers-200.jsonl"))
                 .string();
    std::ofstream out(m_path, std::ios::binary);
    out << example_assets::kExampleDataset;
    if (!out) throw Error("cannot write the built-in example to " + m_path);
  }
  ~ExampleFile() {
    std::error_code ec;
    std::filesystem::remove(m_path, ec);
  }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

// Per condition, in the order first seen: the filter (dedupe and subsample work within a set,
// as for a generated teacher or reference set) and the counts.
struct ConditionState {
  std::unique_ptr<RowFilter> filter;
  int64_t rows = 0, passing = 0, kept = 0;
  std::vector<bool> subsample;  // second pass only
};

struct Tally {
  std::vector<std::pair<std::string, ConditionState>> conditions;
  std::map<std::string, int64_t> reasons;  // reason category -> rows
  int64_t kept = 0, rejected = 0;

  ConditionState& of(const std::string& name, const FilterOptions& options) {
    for (auto& [n, state] : conditions)
      if (n == name) return state;
    conditions.emplace_back(name, ConditionState{});
    conditions.back().second.filter = std::make_unique<RowFilter>(options);
    return conditions.back().second;
  }
};

// One pass over the file: every row's filter verdict (with `subsampled`, the subsample's too),
// handed to the observer as sequences when `report` is set. Returns the reader's report.
DatasetReport filterPass(const DatasetConfig& c, const DatasetReadOptions& ro, RunObserver& obs,
                         const CancelFlag* cancel, Tally& tally, bool subsampled, bool report) {
  int64_t index = 0;
  std::vector<SequenceRow> rows;
  const DatasetReport rep =
      readDataset(ro, [&](const std::vector<DatasetRow>& batch, const DatasetProgress& p) {
        if (cancel && cancel->load(std::memory_order_relaxed)) return false;
        rows.clear();
        for (const DatasetRow& r : batch) {
          const std::string& condition = r.condition.empty() ? c.condition : r.condition;
          ConditionState& state = tally.of(condition, c.filter);
          FilterVerdict v = state.filter->next(r.completion);
          ++state.rows;
          if (v.kept && subsampled) {
            if (state.passing >= static_cast<int64_t>(state.subsample.size()))
              throw Error(ro.path + " changed between the two passes of the subsample");
            if (!state.subsample[static_cast<size_t>(state.passing)]) v = {false, "subsampled out"};
          }
          if (v.kept || v.reason == "subsampled out") ++state.passing;
          if (v.kept) {
            ++state.kept;
            ++tally.kept;
          } else {
            ++tally.rejected;
            ++tally.reasons[reasonCategory(v.reason)];
          }
          if (report)
            rows.push_back({condition, 0, index, r.prompt, r.completion, v.kept, v.reason, {}});
          ++index;
        }
        if (report) obs.sequences(rows);
        const double fraction = p.fileBytes > 0 ? double(p.bytesRead) / double(p.fileBytes) : 1.0;
        // With a subsample the first pass is the first half of the work.
        obs.progress("import",
                     !report      ? 0.5 * fraction
                     : subsampled ? 0.5 + 0.5 * fraction
                                  : fraction,
                     std::to_string(p.rows) + " rows read");
        return true;
      });
  if (rep.cancelled) throw Cancelled();
  return rep;
}

// The file read once or, with a subsample, twice: once to count each set's passing rows, once
// to report the rows with the subsample's verdicts.
DatasetReport importPasses(const DatasetConfig& c, const DatasetReadOptions& ro, RunObserver& obs,
                           const CancelFlag* cancel, Tally& tally) {
  if (c.filter.maxKept <= 0) return filterPass(c, ro, obs, cancel, tally, false, true);
  Tally counts;
  const DatasetReport first = filterPass(c, ro, obs, cancel, counts, false, false);
  for (const auto& [name, state] : counts.conditions)
    tally.of(name, c.filter).subsample = subsampleKept(state.passing, c.filter);
  DatasetReport rep = filterPass(c, ro, obs, cancel, tally, true, true);
  if (rep.sha256 != first.sha256)
    throw Error(ro.path +
                " changed between the two passes of the subsample; import it again "
                "once nothing writes to it");
  return rep;
}

}  // namespace

KindDescription datasetKind() {
  KindDescription d;
  d.name = "dataset";
  d.title = "Imported dataset";
  d.metric = "kept_fraction";
  d.metricLabel = "share kept by the filter";
  d.stepLabel = "import";
  // Nothing is trained: no transfer, student or cross-init figure (the runs table says why).
  // The share kept is the condition's figure (Results, the Rows column).
  d.effect = {"", false,
              "An imported dataset trains no student, so it has no transfer; its rows and "
              "verdicts are in the Sequences view, its statistics in Statistics"};
  d.raw = {"", false, "An imported dataset trains no student"};
  d.cross = {"", false, "An imported dataset trains no cross-init student"};
  d.conditions = {"imported"};
  d.onceConditions = {"imported"};
  d.stages = {{"import", "reading and filtering the dataset's rows", 1.0}};
  d.hasSequences = true;
  d.resultsAsBars = true;
  d.metricFullScale = true;
  d.rowsAllOrNothing = true;
  d.opensOnRows = true;
  return d;
}

std::vector<Preset> datasetPresets() {
  return {{"example-dataset",
           "dataset",
           "import the built-in example (200 number rows in the paper's format, a few to reject)",
           {{"kind", "dataset"},
            {"source", {{"condition", "example"}}},
            {"filter", {{"paper_banned", true}, {"trait_words", {"owl"}}}}}}};
}

DatasetConfig readDatasetConfig(const nlohmann::json& config, nlohmann::json* normalized,
                                std::vector<ConfigField>* schema) {
  return datasetSpec().read(config, normalized, schema, [](DatasetConfig& c) {
    if (c.condition.empty())
      throw Error("config.source.condition: name the condition the rows are stored under");
    c.filter.seed = static_cast<uint64_t>(c.seed);
    try {
      checkFilterOptions(c.filter);
    } catch (const Error& e) {
      throw Error(std::string("config.filter.banned_patterns: ") + e.what());
    }
  });
}

nlohmann::json normalizeDatasetConfig(const nlohmann::json& config,
                                      std::vector<ConfigField>* schema) {
  nlohmann::json out;
  readDatasetConfig(config, &out, schema);
  return out;
}

ExperimentResult runDatasetImport(const nlohmann::json& config, const RuntimeOptions&,
                                  RunObserver& obs, const CancelFlag* cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  const DatasetConfig c = readDatasetConfig(config, nullptr, nullptr);
  std::optional<ExampleFile> example;
  if (c.path.empty()) example.emplace();
  DatasetReadOptions ro;
  ro.path = example ? example->path() : c.path;
  ro.format = c.format;
  ro.promptField = c.promptField;
  ro.completionField = c.completionField;
  ro.conditionField = c.conditionField;
  ro.skipBadRows = c.skipBadRows;
  obs.stage("import", StageStatus::Running,
            "reading " + (example ? std::string("the built-in example") : c.path));

  Tally tally;
  DatasetReport rep = importPasses(c, ro, obs, cancel, tally);
  if (example) {
    rep.path.clear();
    rep.fileName = "built-in example (numbers-200.jsonl)";
  }

  ExperimentResult result;
  result.kind = "dataset";
  nlohmann::json perCondition = nlohmann::json::object();
  for (const auto& [name, state] : tally.conditions) {
    ConditionSummary kept;
    kept.condition = name;
    kept.metric = "kept_fraction";
    kept.value = shareInterval(state.kept, state.rows);
    kept.perSeed = {kept.value.mean};
    result.conditions.push_back(kept);
    perCondition[name] = {{"rows", state.rows}, {"kept", state.kept}};
  }
  nlohmann::json reasons = nlohmann::json::object();
  for (const auto& [reason, n] : tally.reasons) reasons[reason] = n;
  result.summary = {
      {"kind", "dataset"},
      {"source", rep.toJson()},
      {"condition", c.condition},
      {"conditions", perCondition},
      {"filter", {{"kept", tally.kept}, {"rejected", tally.rejected}, {"reasons", reasons}}},
      {"kept_fraction", rep.rows > 0 ? double(tally.kept) / double(rep.rows) : 0.0}};
  result.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  obs.stage("import", StageStatus::Done,
            std::to_string(rep.rows) + " rows, " + std::to_string(tally.kept) + " kept");
  return result;
}

}  // namespace sublab
