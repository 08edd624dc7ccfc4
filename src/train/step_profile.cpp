#include "train/step_profile.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <cstdlib>

#include "console/logging.h"

namespace bertforge {
namespace {
constexpr int64_t kFirstStep = 5, kSteps = 10;
}  // namespace

struct StepProfile::Recording {
  explicit Recording(const std::string& path) : guard(path) {}
  torch::autograd::profiler::RecordProfile guard;  // writes the trace when destroyed
};

StepProfile::StepProfile() {
  if (const char* p = std::getenv("BERTFORGE_PROFILE"); p && *p) path_ = p;
}

StepProfile::~StepProfile() = default;

void StepProfile::before_step(int64_t step) {
  if (path_.empty() || recording_ || step != kFirstStep) return;
  log::info("profile: recording steps {} to {} into {}", kFirstStep, kFirstStep + kSteps - 1,
            path_);
  recording_ = std::make_unique<Recording>(path_);
}

void StepProfile::after_step(int64_t step) {
  if (!recording_ || step < kFirstStep + kSteps) return;
  recording_.reset();
  log::info("profile: wrote {}", path_);
  path_.clear();
}

}  // namespace bertforge
