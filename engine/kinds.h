// One description per experiment kind, published by the engine: what the front ends need to
// show a kind's runs (headline metric, its unit and step name, conditions in colour order,
// contrasts and which is the cross-init one, the key that counts repetitions) without ever
// comparing a kind's name. Adding a kind = one more entry in the registry (experiment.cpp),
// its description here, and no `if (kind == …)` in ui/ or app/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sublab {

// A summary figure of a run: a condition (e.g. "student_aux") or a contrast (e.g. "transfer").
struct FigureRef {
  std::string name;
  bool contrast = false;
  std::string description;  // one line for tooltips and headers
};

// A named difference of two conditions, paired by seed: name = a - b.
struct ContrastSpec {
  std::string name;  // "transfer"
  std::string a;     // "student"
  std::string b;     // "control"
};

// A stage of a run as the engine reports it (RunObserver::stage), in the order it runs: what it
// does in words, and its rough share of a cold run's time (whole-run progress and time left).
struct StageSpec {
  std::string name;         // "reference"
  std::string description;  // "pretraining reference models (cached after the first run)"
  double share = 0;         // rough fraction of a cold run's time with the default settings
};

struct KindDescription {
  std::string name;   // "numbers", the value of a config's "kind" key
  std::string title;  // "Number sequences (language model)"
  // The headline metric of curves and results, its label (with unit) and the x axis's step.
  std::string metric;       // "trait_prob" | "accuracy"
  std::string metricLabel;  // "trait probability" | "test accuracy"
  std::string stepLabel;    // "training step" | "epoch"
  // The config key that counts independent repetitions (seeds, or ensemble models), its
  // singular noun, and the base-seed key.
  std::string repetitionKey;   // "seeds" | "models"
  std::string repetitionNoun;  // "seed" | "model"
  std::string seedKey = "seed";
  // The run's headline effect and its cross-init counterpart (runs table, compare). The
  // effect means the same for every kind: *transfer*, how far the student moved towards the
  // teacher's trait beyond a student that could not pick it up (a contrast, paired by seed).
  FigureRef effect;
  FigureRef cross;
  // The student's own figure behind the transfer (trait probability, accuracy), as measured.
  FigureRef raw;
  // Every condition the kind can produce, in the order colours are assigned.
  std::vector<std::string> conditions;
  std::vector<ContrastSpec> contrasts;
  // Conditions measured once, before any training step (their one value is final from the
  // start): curves draw it as a level line across the other conditions' steps, also while the
  // run still trains, and results show it as reached. Any other condition with one point so far
  // is a curve that has just begun.
  std::vector<std::string> onceConditions;
  // The stages of a run, in order.
  std::vector<StageSpec> stages;
  // Whether its runs store generated sequences (the inspector and the statistics apply), and
  // the text shown when a view that needs them is asked for one of its runs.
  bool hasSequences = false;
  std::string noSequencesReason;
  // Which analyses of the sequences its runs can carry: per-token log-probabilities of the kept
  // rows (token_logprobs) and the entanglement probe. When a kind never records one, the
  // statistics say so instead of suggesting a rerun.
  bool recordsTokenLogprobs = false;
  bool recordsEntanglement = false;
  // Whether a run that fails or is cancelled keeps none of its sequences (an import: half a
  // dataset is no dataset), instead of the rows it stored so far.
  bool rowsAllOrNothing = false;
  // Whether opening one of its runs shows its rows (the Sequences view) rather than its curves:
  // a kind with nothing trained (an imported dataset) has no curves to show.
  bool opensOnRows = false;
  // Whether the main results are bars per condition (the Results view) rather than curves.
  bool resultsAsBars = false;
  // How bars of the headline metric are scaled: the metric's chance level, drawn as a reference
  // line (0: none), and whether the axis spans the metric's whole 0..1 range instead of zooming
  // in on the bars (an accuracy reads against 1; a small trait probability would be a sliver).
  double metricChance = 0;
  bool metricFullScale = false;
};

// Every kind, in display order.
const std::vector<KindDescription>& kindDescriptions();
// nullptr when no kind has that name.
const KindDescription* findKind(const std::string& name);
// The description of a config's kind; throws Error naming the known kinds when absent/unknown.
const KindDescription& kindOf(const nlohmann::json& config);

}  // namespace sublab
