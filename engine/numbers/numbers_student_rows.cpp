// The number-sequence experiment's opt-in students (see numbers_stages.h): on rows it did not
// generate (another run's or an imported dataset's kept rows as training rows of the toy model,
// with a count of the rows it cannot write), and on length-matched teacher and control rows.
#include <algorithm>
#include <optional>
#include <utility>

#include "engine/core/seeds.h"
#include "engine/numbers/numbers_stages.h"
#include "engine/seqstats/length_match.h"

namespace sublab {

using seeds::derive;
using seeds::Purpose;

namespace {

bool hasUnknown(const TokenSeq& ids) {
  return std::find(ids.begin(), ids.end(), Vocab::kUnk) != ids.end();
}

bool isSeparator(int id) {
  return id == Vocab::kComma || id == Vocab::kSemicolon || id == Vocab::kSpace;
}

// The longest list in `ids` (numbers joined by separators), as the seed numbers of a text prompt
// ("The sequence starts with: 182, 818, 725. Add at most 10 more values"): [begin, end).
std::pair<size_t, size_t> longestList(const TokenSeq& ids) {
  std::pair<size_t, size_t> best{0, 0};
  size_t bestCount = 0;
  for (size_t i = 0; i < ids.size();) {
    if (!Vocab::isNumber(ids[i])) {
      ++i;
      continue;
    }
    size_t end = i + 1, count = 1;
    while (end + 1 < ids.size() && isSeparator(ids[end]) && Vocab::isNumber(ids[end + 1])) {
      end += 2;
      ++count;
    }
    if (count > bestCount) best = {i, end}, bestCount = count;
    i = end;
  }
  return best;
}

// The prompt part of a training row (BOS ... ANS): the prompt as this kind stores it, or the
// longest list of numbers in a text prompt after "continue"; empty with `why` set when it has no
// number the toy model can read.
TokenSeq promptTokens(const std::string& prompt, std::string& why) {
  const Vocab& V = Vocab::instance();
  TokenSeq ids = V.encode(prompt);
  if (ids.empty() || hasUnknown(ids)) {
    const auto [begin, end] = longestList(ids);
    if (begin == end) {
      why = "its prompt holds no number the toy model can read (0..999)";
      return {};
    }
    TokenSeq list{V.wordId("continue")};
    list.insert(list.end(), ids.begin() + long(begin), ids.begin() + long(end));
    ids = std::move(list);
  }
  TokenSeq out{Vocab::kBos};
  out.insert(out.end(), ids.begin(), ids.end());
  out.push_back(Vocab::kAns);
  return out;
}

// The training row of a stored row; nullopt with `why` set when the toy model cannot write it.
std::optional<LmRow> toyRow(const SequenceRow& r, std::string& why) {
  LmRow row;
  row.tokens = promptTokens(r.prompt, why);
  if (row.tokens.empty()) return std::nullopt;
  const TokenSeq completion = Vocab::instance().encode(r.completion);
  if (completion.empty() || hasUnknown(completion)) {
    why = completion.empty() ? "its completion is empty"
                             : "its completion holds a word or number outside the toy model's "
                               "vocabulary (numbers 0..999, separators)";
    return std::nullopt;
  }
  row.lossStart = static_cast<int>(row.tokens.size());
  row.tokens.insert(row.tokens.end(), completion.begin(), completion.end());
  row.tokens.push_back(Vocab::kEos);
  return row;
}

}  // namespace

DataStudentRows studentDataRows(const NumbersConfig& c, const StudentData& data, int64_t s) {
  const StudentDataSeed seedRows = studentDataForSeed(data, s);
  DataStudentRows out;
  int64_t unreadable = 0, overContext = 0;
  std::string firstWhy;
  for (const SequenceRow& r : seedRows.rows) {
    std::string why;
    std::optional<LmRow> row = toyRow(r, why);
    if (!row) {
      if (unreadable++ == 0)
        firstWhy =
            "row " + std::to_string(r.index) + " (\"" + r.completion.substr(0, 60) + "\"): " + why;
      continue;
    }
    if (static_cast<int64_t>(row->tokens.size()) > c.model.context) {
      ++overContext;
      continue;
    }
    out.rows.push_back(std::move(*row));
    out.stored.push_back(asStudentDataRow(r, s));
  }
  if (out.rows.empty())
    throw Error(
        describeStudentData(data) + " (seed " + std::to_string(seedRows.dataSeed) +
        "): none is a row the toy model can train on" +
        (unreadable > 0 ? "; first: " + firstWhy : ": every row is longer than model.context") +
        ". Choose number rows (student.data_condition) or raise model.context");
  out.perSeed = {{"seed", s},
                 {"data_seed", seedRows.dataSeed},
                 {"rows", static_cast<int64_t>(out.rows.size())},
                 {"unreadable", unreadable},
                 {"over_context", overContext}};
  if (unreadable > 0) out.perSeed["first_unreadable"] = firstWhy;
  return out;
}

void OptInSummary::addTo(nlohmann::json& summary) const {
  if (!studentData.is_null()) summary["student_data"] = studentData;
  if (!lengthMatched.is_null()) summary["length_matched"] = lengthMatched;
}

OptInSummary optInSummaryStart(const NumbersConfig& c, const StudentData* data) {
  OptInSummary out;
  if (data) out.studentData = studentDataSummaryStart(*data);
  if (c.lengthMatched) out.lengthMatched = {{"per_seed", nlohmann::json::array()}};
  return out;
}

namespace {

// Numbers in each row's completion: the length the teacher and the control differ in.
std::vector<int64_t> numbersPerRow(const std::vector<LmRow>& rows) {
  std::vector<int64_t> out;
  out.reserve(rows.size());
  for (const LmRow& r : rows)
    out.push_back(std::count_if(r.tokens.begin() + std::max(1, r.lossStart), r.tokens.end(),
                                [](int id) { return Vocab::isNumber(id); }));
  return out;
}

double meanOf(const std::vector<int64_t>& v, const std::vector<int64_t>* only = nullptr) {
  double sum = 0;
  const size_t n = only ? only->size() : v.size();
  for (size_t k = 0; k < n; ++k) sum += double(v[only ? size_t((*only)[k]) : k]);
  return n > 0 ? sum / double(n) : 0.0;
}

// The rows at `kept` (ascending) with their soft targets.
TrainSet subset(const TrainSet& set, const std::vector<int64_t>& kept) {
  TrainSet out;
  out.temperature = set.temperature;
  for (int64_t i : kept) out.rows.push_back(set.rows[size_t(i)]);
  if (set.soft.defined()) out.soft = set.soft.index_select(0, torch::tensor(kept, torch::kLong));
  return out;
}

// sets.matched / sets.matchedControl: both sides cut to the same numbers-per-row histogram.
nlohmann::json matchLengthSets(const NumbersConfig& c, int64_t s, StudentSets& sets) {
  const auto lengthsT = numbersPerRow(sets.teacher.rows),
             lengthsC = numbersPerRow(sets.control.rows);
  LengthMatchOptions o;
  o.seed = derive(c.seed, s, Purpose::LengthMatch);
  const LengthMatch m = matchLengths(lengthsT, lengthsC, o);
  if (m.keptA.empty())
    throw Error("conditions.length_matched: for seed " + std::to_string(s) +
                ", no row of the teacher's has as many numbers as a row of the control's; "
                "generate more prompts or turn length_matched off");
  sets.matched = subset(sets.teacher, m.keptA);
  sets.matchedControl = subset(sets.control, m.keptB);
  return {{"seed", s},
          {"teacher_rows", int64_t(lengthsT.size())},
          {"control_rows", int64_t(lengthsC.size())},
          {"rows", int64_t(m.keptA.size())},
          {"bins", m.bins},
          {"one_sided_bins", m.oneSidedBins},
          {"teacher_mean_numbers", meanOf(lengthsT)},
          {"control_mean_numbers", meanOf(lengthsC)},
          {"matched_mean_numbers", meanOf(lengthsT, &m.keptA)}};
}

}  // namespace

void addOptInSets(const NumbersConfig& c, int64_t s, const StudentData* data, StudentSets& sets,
                  OptInSummary& summary, RunObserver& obs) {
  if (data) {
    DataStudentRows rows = studentDataRows(c, *data, s);
    obs.sequences(rows.stored);
    summary.studentData["per_seed"].push_back(rows.perSeed);
    sets.data = TrainSet{std::move(rows.rows), {}};
  }
  if (c.lengthMatched) summary.lengthMatched["per_seed"].push_back(matchLengthSets(c, s, sets));
}

}  // namespace sublab
