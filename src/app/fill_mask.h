// `bertforge fill-mask`: the most likely tokens for each [MASK] in a text.
#pragma once

#include <string>
#include <vector>

namespace bertforge {

struct MaskPrediction {
  std::string token;  // the piece, with SentencePiece's word marker shown as a leading space
  int id = 0;
  double probability = 0;
};

// One list of top_k predictions per "[MASK]" in `text`, in order. Throws UsageError when the text
// has no [MASK].
std::vector<std::vector<MaskPrediction>> fill_mask(const std::string& checkpoint,
                                                   const std::string& text, int top_k);

// Prints fill_mask's predictions: per mask, a list of {token, id, probability} as JSON, or a table.
int fill_mask_command(const std::string& checkpoint, const std::string& text, int top_k,
                      bool as_json);

}  // namespace bertforge
