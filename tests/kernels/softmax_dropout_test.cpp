#include "kernels/softmax_dropout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/kernel_test_util.h"

namespace bertforge::kernels {
namespace {

TEST(SoftmaxDropout, ForwardAndBackwardMatchDoublePrecision) {
  for (int64_t cols : {1, 5, 16, 31, 128}) {
    const int64_t rows = 7, n = rows * cols;
    std::mt19937 gen{uint32_t(cols)};
    std::normal_distribution<float> normal(0, 3);
    std::vector<uint16_t> s(n), dd(n);
    for (auto& v : s) v = float_to_bf16(normal(gen));
    for (auto& v : dd) v = float_to_bf16(normal(gen));
    s[0] = float_to_bf16(-10000.0f);  // a masked key (BERT's additive mask)
    for (const DropoutMask& mask : {DropoutMask{}, DropoutMask::of(0.1, 5)})
      for (Isa isa : isas()) {
        SCOPED_TRACE(testing::Message() << "cols " << cols << " p>0 " << (mask.threshold > 0)
                                        << " avx512 " << (isa == Isa::kAvx512));
        std::vector<uint16_t> p(n), dropped(n), ds(n);
        softmax_dropout_forward(s.data(), cols, 0, rows, mask, p.data(), dropped.data(), isa);
        softmax_dropout_backward(p.data(), dd.data(), cols, 0, rows, mask, ds.data(), isa);
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t base = r * cols;
          double m = -INFINITY, sum = 0, dot = 0;
          for (int64_t j = 0; j < cols; ++j) m = std::max(m, double(bf16_to_float(s[base + j])));
          for (int64_t j = 0; j < cols; ++j) sum += std::exp(bf16_to_float(s[base + j]) - m);
          for (int64_t j = 0; j < cols; ++j) {
            const int64_t i = base + j;
            const double keep = mask.threshold == 0 || mask.keeps(uint64_t(i)) ? mask.scale : 0;
            const double pj = std::exp(bf16_to_float(s[i]) - m) / sum;
            expect_bf16_near(p[i], pj, 1e-30, "p", i);
            expect_bf16_near(dropped[i], pj * keep, 1e-30, "dropped", i);
            dot += bf16_to_float(dd[i]) * keep * bf16_to_float(p[i]);
          }
          for (int64_t j = 0; j < cols; ++j) {  // from the bf16 p, as the kernel is
            const int64_t i = base + j;
            const double keep = mask.threshold == 0 || mask.keeps(uint64_t(i)) ? mask.scale : 0;
            const double want = bf16_to_float(p[i]) * (bf16_to_float(dd[i]) * keep - dot);
            expect_bf16_near(ds[i], want, 1e-5, "ds", i);
          }
        }
      }
  }
}

TEST(SoftmaxDropout, NoDroppedOutputWithoutMaskAndRowsStayApart) {
  const int64_t cols = 24;
  std::vector<uint16_t> s(3 * cols, float_to_bf16(0.5f)), p(3 * cols, 0xFFFF);
  for (Isa isa : isas()) {
    std::fill(p.begin(), p.end(), uint16_t(0xFFFF));
    softmax_dropout_forward(s.data(), cols, 1, 2, DropoutMask{}, p.data(), nullptr, isa);
    for (int64_t i = 0; i < 3 * cols; ++i)
      if (i >= cols && i < 2 * cols)
        EXPECT_EQ(p[i], float_to_bf16(1.0f / 24)) << i;
      else
        EXPECT_EQ(p[i], 0xFFFF) << i;
  }
}

}  // namespace
}  // namespace bertforge::kernels
