// The causal language-modelling view of a loader batch (train.objective: clm, and the first phase
// of clm_then_mlm): L_CLM = -sum_t log P(x_t | x_<t) over the real tokens of each example.
//
// The loader always builds and masks the same examples, whatever the objective; a CLM step turns
// its batch into this view, so that the batch at a loader position stays one pure function of the
// seed and the position, and a run resumes exactly across the switch from CLM to MLM. The view:
//   input_ids   the original tokens (the masked ones restored from mlm_labels);
//   mlm_labels  at position t the token at t + 1 of the same example, kIgnoreLabel at an example's
//               last token and on padding (the first token, [CLS], is never a target);
//   nsp_labels  all kIgnoreLabel; num_masked the number of targets.
// The model then runs with causal attention (a token sees itself and earlier tokens of its
// example) and scores the targets at their positions, as it scores masked tokens.
#pragma once

#include "data/batch.h"

namespace bertforge {

// Rewrites `batch` (unpacked or packed) into its causal view, in place.
void make_causal(Batch* batch);

}  // namespace bertforge
