#include "app/evaluate.h"

#include <spdlog/fmt/fmt.h>

#include <iostream>
#include <nlohmann/json.hpp>

namespace bertforge {

namespace {
std::string fixed(double v, int prec) { return fmt::format("{:.{}f}", v, prec); }
}  // namespace

void print_eval(const EvalMetrics& m, bool as_json) {
  if (as_json) {
    std::cout << m.to_json().dump() << std::endl;
    return;
  }
  if (m.examples == 0) {
    std::cout << "none (no validation documents)\n";
    return;
  }
  std::cout << "mlm_loss      " << fixed(m.mlm_loss, 4) << "\n"
            << "mlm_accuracy  " << fixed(m.mlm_accuracy, 4)
            << "  (most frequent token: " << fixed(m.majority_accuracy, 4) << ")\n"
            << "  at [MASK]   " << fixed(m.mask_accuracy, 4)
            << "  (most frequent token: " << fixed(m.mask_majority_accuracy, 4)
            << "; the inputs left unchanged, which a model can copy, are not counted)\n"
            << "  baselines   "
            << (m.has_baselines
                    ? "unigram " + fixed(m.baseline_unigram, 4) + ", left " +
                          fixed(m.baseline_left, 4) + ", bidirectional " +
                          fixed(m.baseline_bidirectional, 4) +
                          " (counts of the training shards at the same [MASK] positions)"
                    : std::string("n/a (no training shards of this model at hand)"))
            << "\n"
            << "perplexity    " << fixed(m.perplexity, 2) << "\n"
            << "nsp_accuracy  "
            << (m.nsp_pairs > 0 ? fixed(m.nsp_accuracy, 4)
                                : "n/a (MLM-only data: data.nsp is false)")
            << "\n"
            << "examples      " << m.examples << " (" << m.masked_tokens << " masked tokens)\n";
}

int evaluate_command(const std::string& checkpoint, const std::string& data, int64_t max_batches,
                     const std::vector<std::string>& overrides, bool as_json) {
  print_eval(evaluate_checkpoint(checkpoint, data, max_batches, overrides), as_json);
  return 0;
}

}  // namespace bertforge
