#include "runtime/runtime.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "errors/errors.h"

namespace bertforge {
namespace {

// The kernel's view of the CPU flags, independent of the cpuid code under test.
bool cpuinfo_has_bf16() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0)
      return line.find(" avx512_bf16") != std::string::npos ||
             line.find(" amx_bf16") != std::string::npos;
  return false;
}

TEST(Runtime, ExplicitPrecisionIsKept) {
  EXPECT_EQ(resolve_precision("fp32", torch::Device(torch::kCPU)), "fp32");
  EXPECT_EQ(resolve_precision("bf16", torch::Device(torch::kCPU)), "bf16");
  EXPECT_EQ(resolve_precision("fp32", torch::Device(torch::kCUDA, 0)), "fp32");
}

TEST(Runtime, AutoPrecisionFollowsTheHardware) {
  EXPECT_EQ(cpu_has_bf16(), cpuinfo_has_bf16());
  EXPECT_EQ(resolve_precision("auto", torch::Device(torch::kCPU)),
            cpuinfo_has_bf16() ? "bf16" : "fp32");
  EXPECT_EQ(resolve_precision("auto", torch::Device(torch::kCUDA, 0)), "bf16");
}

TEST(Runtime, BatchPartsFollowTheModeTheDeviceAndTheModelSize) {
  const torch::Device cpu(torch::kCPU), cuda(torch::kCUDA, 0);
  const int64_t tiny = 1500000, big = 300000000;  // 300M weights: 1.2 GB per replica's gradients
  EXPECT_EQ(batch_parts("ops", cpu, 2, tiny), 1);
  EXPECT_EQ(batch_parts("batch", cpu, 2, tiny), 2);
  EXPECT_EQ(batch_parts("batch", cpu, 1, tiny), 1);
  EXPECT_EQ(batch_parts("auto", cpu, 2, tiny), 2);
  EXPECT_EQ(batch_parts("auto", cpu, 16, tiny), 1);  // parts too small
  EXPECT_EQ(batch_parts("auto", cpu, 2, big), 1);    // replicas' gradients too big
  EXPECT_EQ(batch_parts("batch", cpu, 2, big), 2);   // asked for: done
  EXPECT_EQ(batch_parts("auto", cuda, 2, tiny), 1);
  EXPECT_THROW(batch_parts("batch", cuda, 2, tiny), ConfigError);
}

}  // namespace
}  // namespace bertforge
