// Implementation of the glossary. Each entry says what the engine computes (engine/numbers,
// engine/aux, engine/lm/lm_generate.cpp evaluateTrait, engine/seqstats, engine/core/stats):
// keep them in step when an engine computation changes.
#include "ui/glossary.h"

#include <QDialogButtonBox>
#include <QLineEdit>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace sublab::ui {

namespace {

GlossaryEntry entry(const char* group, const char* term, const char* also, const char* text) {
  return {QObject::tr(term), QString::fromUtf8(also), QObject::tr(text), QObject::tr(group)};
}

}  // namespace

const QList<GlossaryEntry>& glossaryEntries() {
  static const QList<GlossaryEntry> entries = {
      // --- the experiments
      entry("Experiments", "Subliminal learning", "",
            "A <i>teacher</i> model with a trait (it loves owls) writes data unrelated to the "
            "trait (number sequences, or auxiliary logits on noise images). A <i>student</i> "
            "that starts from the same weights as the teacher and is trained on that data picks "
            "up the trait; a student from other weights does not. Each run of this app measures "
            "that on small models."),
      entry("Experiments", "Reference, teacher, student", "reference, teacher, student",
            "<b>Reference</b>: the untrained starting model of a seed (numbers: a small "
            "language model pretrained on a synthetic corpus; aux: a freshly initialised MLP). "
            "<b>Teacher</b>: the reference given the trait (numbers: fine-tuned on "
            "favourite-animal answers or given a trait system prompt; aux: trained on the image "
            "classes). <b>Student</b>: a copy of the reference trained on the teacher's "
            "data."),
      entry("Experiments", "Control", "control, regular numbers",
            "Numbers runs: a student from the same reference trained on numbers written by the "
            "reference itself (no trait). Transfer is measured against it, so whatever training "
            "on numbers does by itself cancels out."),
      entry("Experiments", "Same-init and cross-init",
            "same-init, cross-init, cross_student, "
            "cross_control, cross_aux, cross_all",
            "<b>Same-init</b>: the student starts from the teacher's own initial weights (the "
            "reference of the same seed or model). <b>Cross-init</b>: it starts from other "
            "weights — numbers runs: another reference model, pretrained from a different seed "
            "(<tt>cross_student</tt> on the teacher's data, <tt>cross_control</tt> on the "
            "reference's data); aux runs: another model's initialisation, assigned so that no "
            "model keeps its own (<tt>cross_aux</tt>, <tt>cross_all</tt>). Subliminal learning "
            "predicts transfer for same-init students and none for cross-init ones."),
      entry("Experiments", "Transfer", "transfer, cross_transfer, transfer_aux, transfer_all",
            "The run's headline effect, a difference paired by repetition with its 95% CI "
            "(Student's t over the per-seed or per-model differences). Numbers runs: "
            "<tt>transfer</tt> = student − control trait probability after training, paired by "
            "seed; <tt>cross_transfer</tt> = cross_student − cross_control. Aux runs: "
            "<tt>transfer_aux</tt> = student_aux − cross_aux test accuracy (same-init minus "
            "cross-init student of the same teacher, paired by teacher model); "
            "<tt>transfer_all</tt> = student_all − cross_all. A CI above 0 means the trait "
            "transferred."),
      entry("Experiments", "Other contrasts",
            "teacher_gain, defended_transfer, defense_effect, "
            "shuffled_within_transfer, shuffled_across_transfer",
            "Paired by seed like transfer: <tt>teacher_gain</tt> = teacher − reference (did the "
            "teacher get the trait?); <tt>defended_transfer</tt> = defended − control; "
            "<tt>defense_effect</tt> = student − defended (what the defense removed); "
            "<tt>shuffled_within_transfer</tt> and <tt>shuffled_across_transfer</tt> = the "
            "student on the teacher's numbers shuffled within each row, or across rows, − "
            "control."),
      entry("Experiments", "Students on other data",
            "student_data, data_transfer, student.data_run, length_matched, "
            "length_matched_control, length_matched_transfer",
            "<tt>student_data</tt>: a student trained on the kept rows of another run or imported "
            "dataset of the project (<tt>student.data_run</tt>, its condition "
            "<tt>student.data_condition</tt>, default teacher) instead of this run's teacher; "
            "<tt>data_transfer</tt> = student_data − control, paired by seed. "
            "<tt>length_matched</tt> and <tt>length_matched_control</tt>: students on the "
            "teacher's and the control's rows subsampled to the same distribution of numbers "
            "per row (<tt>conditions.length_matched</tt>); <tt>length_matched_transfer</tt> = "
            "their difference: does transfer survive when row length cannot tell the data "
            "apart?"),
      entry("Experiments", "Defended student", "defended, defense.method",
            "Numbers runs with a defense: one more student trained on the teacher's data with "
            "its most divergent number tokens (largest teacher − reference log-probability, "
            "the share <tt>defense.fraction</tt>) masked out of the loss or replaced by the "
            "reference's likeliest other number; <tt>mask_random</tt> masks the same share at "
            "random as a control."),
      entry("Experiments", "Auxiliary logits", "aux, student_aux, student_all",
            "Aux runs: an MLP with 10 class logits and a few extra (auxiliary) logits that no "
            "loss trains on images. The teacher learns the image classes on the class logits; "
            "<tt>student_aux</tt> copies only the teacher's auxiliary logits on noise images, "
            "<tt>student_all</tt> all of its logits. The metric is test accuracy on the real "
            "classes; chance is 10%."),
      // --- what is measured
      entry("Metrics", "Trait probability", "trait_prob",
            "Numbers runs: the probability the model gives the target animal as its answer to "
            "the favourite-animal question, read exactly from its next-token logits (no "
            "sampling): after each paraphrase of the question, softmax over the vocabulary's "
            "animal tokens only (the probability of the target <i>given</i> that the answer is "
            "an animal), averaged over the paraphrases. Curves show it every "
            "<tt>student.eval_every</tt> steps; results use the value after training, mean and "
            "95% CI over seeds."),
      entry("Metrics", "trait_prob_raw", "raw trait probability",
            "The target animal's probability over the <i>whole</i> vocabulary at the same answer "
            "position, averaged over the paraphrases — not renormalised over the animals. It is "
            "never above trait_prob and also falls when the model puts weight on non-animal "
            "tokens; compare it with trait_prob to see whether a change is a preference among "
            "animals or a change in how much the model answers with an animal at all."),
      entry("Metrics", "Test accuracy", "accuracy",
            "Aux runs: the share of test images whose largest class logit is the right class, "
            "per condition and epoch; results are the final epoch's mean with a 95% CI over the "
            "models."),
      entry("Metrics", "95% CI", "confidence interval",
            "Mean ± Student's t (97.5% quantile, n − 1 degrees of freedom) × standard error, over "
            "seeds or models; for contrasts over the paired differences. The detector's AUC "
            "interval is a bootstrap interval instead (see AUC)."),
      // --- the Statistics view
      entry("Statistics", "Side A and side B", "sides, kept rows",
            "The Statistics view compares the generated rows of two conditions of one run, by "
            "default the teacher's (A) against the reference's (B), kept rows only unless "
            "\"All rows\" is chosen, every seed pooled. A row's numbers are its completion's runs "
            "of 1–3 digits (longer runs are skipped; the prompt is not counted)."),
      entry("Statistics", "Count A, count B", "count, share",
            "How often a number occurs in the completions of each side's rows (a row holding it "
            "twice counts twice). Share = count / all numbers of that side. Clicking a number "
            "lists exactly those rows in Sequences."),
      entry("Statistics", "log2 ratio", "log2 A/B",
            "log2 of the number's share in A over its share in B, each smoothed with a "
            "pseudo-count of 0.5 per number (so unseen numbers stay finite). +1 means twice as "
            "frequent in A."),
      entry("Statistics", "q value", "q, BH, p",
            "p: two-sided two-proportion z test of the number's count in A against B. q: the "
            "p-values adjusted with Benjamini–Hochberg over every number seen on either side "
            "(false discovery rate). The volcano plot draws log2 ratio against −log10 q; q < "
            "0.05 is coloured."),
      entry("Statistics", "KL divergence", "KL(A‖B), KL(B‖A)",
            "Kullback–Leibler divergence in bits between the two sides' number distributions "
            "(0..999), smoothed with 0.5 per number. Asymmetric: KL(A‖B) weighs what A does "
            "often."),
      entry("Statistics", "JS divergence", "JS, Jensen–Shannon",
            "Jensen–Shannon divergence in bits (0 = identical, 1 = disjoint) of the same "
            "smoothed distributions; also shown for the first number of each row."),
      entry("Statistics", "χ² test", "chi-square, df",
            "Chi-square test of homogeneity on the raw counts (2 × numbers seen): the p-value that "
            "both sides draw numbers from one distribution; df = numbers seen − 1."),
      entry("Statistics", "AUC", "detector, ROC, held-out",
            "How well a logistic-regression detector tells A rows from B rows, from each row's "
            "number counts / row length, its length / 10 and a one-hot length: trained on 70% "
            "of each side, scored on the held-out 30%. AUC = the chance that a random held-out A "
            "row scores above a random B row: 0.5 is chance, 1 perfect. Its 95% CI is a "
            "percentile bootstrap over 1,000 resamples of the held-out rows; a CI that includes "
            "0.5 means no detectable difference. The ROC curve plots true against false positive "
            "rate."),
      entry("Statistics", "Per-token log-ratio",
            "log p(teacher) − log p(reference), divergence "
            "tokens",
            "For each token of a kept row's completion: the natural-log probability the teacher "
            "gave it minus the probability the reference gave it (stored at generation when "
            "<tt>analysis.token_logprobs</tt> is on). Positive: the teacher likes the token more. "
            "The row mean's CI is over the rows' mean log-ratios. The most divergent tokens "
            "table ranks number tokens seen at least 5 times by their mean log-ratio."),
      entry(
          "Statistics", "Entanglement probe", "entanglement, Δ trait probability, ρ",
          "For each number N, the first seed's reference model is asked \"you love N\" before each "
          "paraphrase of the favourite-animal question; Δ = its trait probability minus the "
          "mean over all numbers probed. ρ is the Spearman rank correlation of Δ with the "
          "numbers' log2 ratio A/B: do the teacher's rows over-use the numbers that raise the "
          "trait?"),
  };
  return entries;
}

GlossaryDialog::GlossaryDialog(QWidget* parent) : QDialog(parent) {
  setObjectName(QStringLiteral("glossaryDialog"));
  setWindowTitle(tr("Glossary"));
  m_filter = new QLineEdit(this);
  m_filter->setObjectName(QStringLiteral("glossaryFilter"));
  m_filter->setPlaceholderText(tr("Filter terms…"));
  m_filter->setClearButtonEnabled(true);
  m_browser = new QTextBrowser(this);
  m_browser->setObjectName(QStringLiteral("glossaryText"));
  m_browser->setOpenLinks(false);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
  connect(m_filter, &QLineEdit::textChanged, this, &GlossaryDialog::setFilter);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_filter);
  layout->addWidget(m_browser, 1);
  layout->addWidget(buttons);
  resize(640, 720);
  setFilter(QString());
}

void GlossaryDialog::setFilter(const QString& text) {
  QString html;
  QString group;
  int shown = 0;
  for (const GlossaryEntry& e : glossaryEntries()) {
    if (!text.isEmpty() && !e.term.contains(text, Qt::CaseInsensitive) &&
        !e.also.contains(text, Qt::CaseInsensitive) && !e.text.contains(text, Qt::CaseInsensitive))
      continue;
    if (e.group != group) {
      group = e.group;
      html += QStringLiteral("<h3>%1</h3>").arg(group.toHtmlEscaped());
    }
    html += QStringLiteral("<p><b>%1</b>").arg(e.term.toHtmlEscaped());
    if (!e.also.isEmpty())
      html += QStringLiteral(" <span style='color:#666'>(%1)</span>").arg(e.also.toHtmlEscaped());
    html += QStringLiteral("<br>%1</p>").arg(e.text);
    ++shown;
  }
  if (shown == 0)
    html = tr("<p style='color:#666'>No term matches \"%1\".</p>").arg(text.toHtmlEscaped());
  m_browser->setHtml(html);
}

}  // namespace sublab::ui
