#include "train/safetensors.h"

#include <gtest/gtest.h>

#include "common/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

TEST(Safetensors, HeaderLayoutByHand) {
  testing::TempDir dir;
  auto path = dir.file("t.safetensors");
  write_safetensors(path, {{"a", torch::tensor({1.0f, 2.0f})}});
  std::string bytes = testing::read_text(path);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(bytes[i])) << (8 * i);
  EXPECT_EQ((8 + n) % 8, 0u);
  std::string header = bytes.substr(8, n);
  EXPECT_NE(header.find("\"a\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}"),
            std::string::npos)
      << header;
  float v[2];
  std::memcpy(v, bytes.data() + 8 + n, 8);
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], 2.0f);
  EXPECT_EQ(bytes.size(), 8 + n + 8);
}

TEST(Safetensors, RoundTrip) {
  testing::TempDir dir;
  auto path = dir.file("t.safetensors");
  auto a = torch::randn({3, 4}), b = torch::randn({5});
  write_safetensors(path, {{"x.weight", a}, {"y.bias", b}}, {{"format", "pt"}});
  auto back = read_safetensors(path);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_TRUE(torch::equal(back["x.weight"], a));
  EXPECT_TRUE(torch::equal(back["y.bias"], b));
}

TEST(Safetensors, TruncatedFileIsRejected) {
  testing::TempDir dir;
  auto path = dir.file("t.safetensors");
  write_safetensors(path, {{"a", torch::randn({100})}});
  std::string bytes = testing::read_text(path);
  testing::write_text(path, bytes.substr(0, bytes.size() - 10));
  EXPECT_THROW(read_safetensors(path), InputError);
}

}  // namespace
}  // namespace bertforge
