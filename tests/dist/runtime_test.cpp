#include "dist/runtime.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

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

}  // namespace
}  // namespace bertforge
