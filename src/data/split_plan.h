// Prepare's train/valid decision: which split each document of the training corpus goes to.
#pragma once

#include <cstdint>

namespace bertforge {

// The two splits prepare writes; kSplitNames[s] prefixes their shard files ("train-00000.bin").
enum Split { kTrain = 0, kValid = 1 };
inline constexpr const char* kSplitNames[2] = {"train", "valid"};

// Where each document goes: by a hash of (seed, document index), with the guarantee of at least one
// validation and one training document when there are two or more. Use: observe() every document
// in order, finalize(), then split() any of them.
class SplitPlan {
 public:
  // `fraction`: the expected share of validation documents; 0 puts every document in kTrain.
  SplitPlan(uint64_t seed, double fraction) : seed_(seed), fraction_(fraction) {}
  // Called once per document, in order, during the scan.
  void observe(uint64_t doc);
  // Called after the last observe(): applies the at-least-one guarantee.
  void finalize();
  // The split of document `doc` (a pure function of the seed, the fraction and the observed docs).
  Split split(uint64_t doc) const;

 private:
  double draw(uint64_t doc) const;  // uniform in [0, 1)

  uint64_t seed_;
  double fraction_;
  uint64_t n_ = 0, valid_ = 0, min_doc_ = 0, max_doc_ = 0;
  double min_u_ = 0, max_u_ = 0;
  uint64_t force_valid_ = UINT64_MAX, force_train_ = UINT64_MAX;
};

}  // namespace bertforge
