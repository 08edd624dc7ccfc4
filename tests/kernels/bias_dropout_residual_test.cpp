#include "kernels/bias_dropout_residual.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/kernel_test_util.h"

namespace bertforge::kernels {
namespace {

TEST(DropoutMaskHash, KeepsTheShareAskedForAndPairsElements) {
  const auto mask = DropoutMask::of(0.25, 12345);
  EXPECT_EQ(mask.threshold, 1073741824u);  // 0.25 * 2^32
  EXPECT_FLOAT_EQ(mask.scale, 1 / 0.75f);
  int64_t kept = 0;
  for (uint64_t i = 0; i < 200000; ++i) kept += mask.keeps(i);
  EXPECT_NEAR(kept / 200000.0, 0.75, 0.005);
  // Elements 2i and 2i + 1 read the two halves of one SplitMix64 output (by hand from its formula).
  const uint64_t z = splitmix(12345, 3);
  EXPECT_EQ(mask.keeps(6), uint32_t(z) >= mask.threshold);
  EXPECT_EQ(mask.keeps(7), uint32_t(z >> 32) >= mask.threshold);
}

TEST(BiasDropoutResidual, ForwardAndBackwardFollowTheFormula) {
  for (int64_t cols : {2, 16, 18, 64, 7}) {
    const int64_t rows = 5, n = rows * cols;
    std::mt19937 gen{uint32_t(cols)};
    std::normal_distribution<float> normal(0, 1);
    std::vector<uint16_t> x(n);
    std::vector<float> bias(cols), residual(n), dz(n);
    for (auto& v : x) v = float_to_bf16(normal(gen));
    for (auto& v : bias) v = normal(gen);
    for (auto& v : residual) v = normal(gen);
    for (auto& v : dz) v = normal(gen);
    for (const DropoutMask& mask : {DropoutMask{}, DropoutMask::of(0.1, 99)})
      for (Isa isa : isas()) {
        SCOPED_TRACE(testing::Message() << "cols " << cols << " p>0 " << (mask.threshold > 0)
                                        << " avx512 " << (isa == Isa::kAvx512));
        std::vector<float> z(n), db(cols, 1.0f);
        std::vector<uint16_t> dx(n);
        bias_dropout_residual_forward(x.data(), bias.data(), residual.data(), cols, 0, rows, mask,
                                      z.data(), isa);
        bias_dropout_residual_backward(dz.data(), cols, 0, rows, mask, dx.data(), db.data(), isa);
        std::vector<double> db_want(cols, 1.0);
        for (int64_t i = 0; i < n; ++i) {
          const double m = mask.threshold == 0 || mask.keeps(uint64_t(i)) ? mask.scale : 0.0;
          const double want = (double(bf16_to_float(x[i])) + bias[i % cols]) * m + residual[i];
          ASSERT_NEAR(z[i], want, 1e-6 * (1 + std::abs(want))) << i;
          // as values: a dropped element may be +0 or -0
          ASSERT_EQ(bf16_to_float(dx[i]), bf16_to_float(float_to_bf16(float(dz[i] * m)))) << i;
          db_want[i % cols] += dz[i] * m;
        }
        for (int64_t j = 0; j < cols; ++j) EXPECT_NEAR(db[j], db_want[j], 1e-5);
      }
  }
}

TEST(BiasDropoutResidual, RowRangesUseTheFlatIndexAndNoBias) {
  // Rows 2..3 of a 4-row tensor alone give what the whole call gives there.
  const int64_t cols = 32, n = 4 * cols;
  std::vector<uint16_t> x(n, float_to_bf16(1.0f));
  std::vector<float> residual(n, 0.0f);
  const auto mask = DropoutMask::of(0.5, 7);
  for (Isa isa : isas()) {
    std::vector<float> all(n), part(n, -1.0f);
    bias_dropout_residual_forward(x.data(), nullptr, residual.data(), cols, 0, 4, mask, all.data(),
                                  isa);
    bias_dropout_residual_forward(x.data(), nullptr, residual.data(), cols, 2, 4, mask, part.data(),
                                  isa);
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_EQ(all[i], mask.keeps(uint64_t(i)) ? 2.0f : 0.0f) << i;
      EXPECT_EQ(part[i], i < 2 * cols ? -1.0f : all[i]) << i;
    }
  }
}

}  // namespace
}  // namespace bertforge::kernels
