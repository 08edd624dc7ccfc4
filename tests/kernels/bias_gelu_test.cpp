#include "kernels/bias_gelu.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/kernel_test_util.h"

namespace bertforge::kernels {
namespace {

double gelu(double z) { return 0.5 * z * std::erfc(-z / std::sqrt(2.0)); }
double gelu_grad(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0)) + z * std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
}

TEST(BiasGelu, MatchesTheExactGeluInDoubleOnBothPaths) {
  for (int64_t cols : {1, 7, 16, 33, 512}) {
    const int64_t rows = 6;
    std::mt19937 gen{uint32_t(cols)};
    std::normal_distribution<float> normal(0, 2.5f);
    std::vector<uint16_t> x(rows * cols), dy(rows * cols);
    std::vector<float> bias(cols);
    for (auto& v : x) v = float_to_bf16(normal(gen));
    for (auto& v : dy) v = float_to_bf16(normal(gen));
    for (auto& v : bias) v = normal(gen) / 4;
    x[0] = float_to_bf16(-9.0f);  // GELU's far left tail: -9 * Phi(-9) = -1e-18, no cancellation
    for (Isa isa : isas())
      for (bool with_bias : {true, false}) {
        SCOPED_TRACE(testing::Message() << "cols " << cols << " avx512 " << (isa == Isa::kAvx512)
                                        << " bias " << with_bias);
        const float* b = with_bias ? bias.data() : nullptr;
        std::vector<uint16_t> y(rows * cols), dx(rows * cols);
        std::vector<float> db(cols, 0.5f);  // accumulates onto what is there
        bias_gelu_forward(x.data(), b, cols, 0, rows, y.data(), isa);
        bias_gelu_backward(x.data(), b, dy.data(), cols, 0, rows, dx.data(), db.data(), isa);
        std::vector<double> db_want(cols, 0.5);
        for (int64_t i = 0; i < rows * cols; ++i) {
          const double z = double(bf16_to_float(x[i])) + (b ? b[i % cols] : 0.0f);
          expect_bf16_near(y[i], gelu(z), 1e-6, "y", i);
          const double g = bf16_to_float(dy[i]) * gelu_grad(z);
          expect_bf16_near(dx[i], g, 1e-6, "dx", i);
          db_want[i % cols] += g;
        }
        for (int64_t j = 0; j < cols; ++j) EXPECT_NEAR(db[j], db_want[j], 1e-5 * (1 + rows));
        if (cols == 1) EXPECT_LT(std::abs(bf16_to_float(y[0])), 1e-15);
      }
  }
}

TEST(BiasGelu, RowRangesWriteOnlyTheirRows) {
  const int64_t cols = 20;
  std::vector<uint16_t> x(4 * cols, float_to_bf16(1.0f)), y(4 * cols, 0xFFFF);
  for (Isa isa : isas()) {
    std::fill(y.begin(), y.end(), uint16_t(0xFFFF));
    bias_gelu_forward(x.data(), nullptr, cols, 1, 3, y.data(), isa);
    for (int64_t i = 0; i < 4 * cols; ++i) {
      const bool inside = i >= cols && i < 3 * cols;
      if (inside)
        EXPECT_NEAR(bf16_to_float(y[i]), gelu(1.0), 0.841 / 256) << i;
      else
        EXPECT_EQ(y[i], 0xFFFF) << i;
    }
  }
}

}  // namespace
}  // namespace bertforge::kernels
