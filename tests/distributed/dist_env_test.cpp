#include "distributed/dist_env.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "errors/errors.h"

namespace bertforge {
namespace {

// Sets the launcher variables for one test and clears them afterwards.
class DistEnvTest : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT",
                          "SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID",
                          "TORCHELASTIC_USE_AGENT_STORE", "TORCHELASTIC_RESTART_COUNT"})
      ::unsetenv(v);
  }
  static void set(const char* k, const char* v) { ::setenv(k, v, 1); }
  static std::string error() {
    try {
      DistEnv::from_environment();
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(DistEnvTest, NoVariablesIsOneProcess) {
  DistEnv e = DistEnv::from_environment();
  EXPECT_EQ(e.world_size, 1);
  EXPECT_EQ(e.rank, 0);
  EXPECT_TRUE(e.is_main());
  EXPECT_EQ(e.master_addr, "127.0.0.1");
  EXPECT_EQ(e.master_port, 29500);
}

TEST_F(DistEnvTest, TorchrunVariables) {
  set("WORLD_SIZE", "4"), set("RANK", "3"), set("LOCAL_RANK", "1");
  set("MASTER_ADDR", "node0"), set("MASTER_PORT", "1234");
  set("TORCHELASTIC_USE_AGENT_STORE", "True"), set("TORCHELASTIC_RESTART_COUNT", "2");
  DistEnv e = DistEnv::from_environment();
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_FALSE(e.is_main());
  EXPECT_EQ(e.master_addr, "node0");
  EXPECT_EQ(e.master_port, 1234);
  EXPECT_TRUE(e.agent_store);
  EXPECT_EQ(e.restart_count, 2);
}

TEST_F(DistEnvTest, SlurmVariables) {
  set("SLURM_NTASKS", "8"), set("SLURM_PROCID", "5"), set("SLURM_LOCALID", "1");
  EXPECT_NE(error().find("$MASTER_ADDR"), std::string::npos) << error();
  set("MASTER_ADDR", "node0");
  DistEnv e = DistEnv::from_environment();
  EXPECT_EQ(e.world_size, 8);
  EXPECT_EQ(e.rank, 5);
  EXPECT_EQ(e.local_rank, 1);
}

TEST_F(DistEnvTest, BadValuesNameTheVariable) {
  set("WORLD_SIZE", "2"), set("RANK", "2");
  EXPECT_NE(error().find("$RANK"), std::string::npos) << error();
  set("RANK", "1x");
  EXPECT_NE(error().find("$RANK: expected an integer (got '1x')"), std::string::npos) << error();
  set("RANK", "0"), set("WORLD_SIZE", "0");
  EXPECT_NE(error().find("$WORLD_SIZE"), std::string::npos) << error();
}

TEST_F(DistEnvTest, MainProcessNeverThrows) {
  EXPECT_TRUE(DistEnv::main_process());
  set("SLURM_NTASKS", "8");  // an allocation's shell: from_environment() would want MASTER_ADDR
  EXPECT_TRUE(DistEnv::main_process());
  set("SLURM_PROCID", "3");
  EXPECT_FALSE(DistEnv::main_process());
  set("WORLD_SIZE", "2"), set("RANK", "0");  // torchrun's variables take precedence
  EXPECT_TRUE(DistEnv::main_process());
  set("RANK", "1");
  EXPECT_FALSE(DistEnv::main_process());
}

}  // namespace
}  // namespace bertforge
