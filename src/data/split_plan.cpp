#include "data/split_plan.h"

#include "runtime/random.h"

namespace bertforge {
namespace {
constexpr uint64_t kSplitKey = 0x73706c6974ULL;  // "split": the key of the train/valid decision
}  // namespace

double SplitPlan::draw(uint64_t doc) const {
  return static_cast<double>(mix_seed(seed_, {kSplitKey, doc}) >> 11) * 0x1.0p-53;
}

void SplitPlan::observe(uint64_t doc) {
  const double u = draw(doc);
  if (u < fraction_) ++valid_;
  if (n_ == 0 || u < min_u_) min_u_ = u, min_doc_ = doc;
  if (n_ == 0 || u > max_u_) max_u_ = u, max_doc_ = doc;
  ++n_;
}

void SplitPlan::finalize() {
  if (fraction_ <= 0 || n_ < 2) return;
  if (valid_ == 0) force_valid_ = min_doc_;
  if (valid_ == n_) force_train_ = max_doc_;
}

Split SplitPlan::split(uint64_t doc) const {
  if (fraction_ <= 0) return kTrain;
  if (n_ < 2) return kTrain;
  if (doc == force_valid_) return kValid;
  if (doc == force_train_) return kTrain;
  return draw(doc) < fraction_ ? kValid : kTrain;
}

}  // namespace bertforge
