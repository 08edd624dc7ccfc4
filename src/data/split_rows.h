// A batch cut by rows into parts of whole examples, for the trainer's batch-parallel threads
// (train.thread_mode: batch, train/batch_parallel.h): each part is a Batch of its own, with its
// examples renumbered from 0 and its own counts, that the model runs as it would any batch.
#pragma once

#include <vector>

#include "data/batch.h"

namespace bertforge {

// `batch` in at most `parts` row ranges of near-equal size (rows [k R / n, (k+1) R / n)); fewer
// when it has fewer rows. An unpacked row is one example; a packed row keeps all the examples
// laid out in it (their [CLS] positions, segment ids and NSP labels follow them).
std::vector<Batch> split_rows(const Batch& batch, int parts);

}  // namespace bertforge
