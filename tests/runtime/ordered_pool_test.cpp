#include "runtime/ordered_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bertforge {
namespace {

using std::chrono::microseconds;

// Jobs that finish out of order (later ones sooner) still come back in submission order, whether
// the consumer keeps the pool full or drains it.
TEST(OrderedPoolTest, ResultsComeBackInSubmissionOrder) {
  for (int threads : {0, 1, 4}) {
    OrderedPool<int> pool(threads, 7);
    std::vector<int> got;
    for (int i = 0; i < 200; ++i) {
      if (pool.full()) got.push_back(pool.next());
      pool.submit([i](int) {
        std::this_thread::sleep_for(microseconds((7 - i % 7) * 50));
        return i;
      });
    }
    while (!pool.empty()) got.push_back(pool.next());
    ASSERT_EQ(got.size(), 200u) << threads << " threads";
    for (int i = 0; i < 200; ++i) EXPECT_EQ(got[i], i) << threads << " threads";
  }
}

// At most max_in_flight jobs are submitted and not taken; at most `threads` run at once, each
// with its own worker index.
TEST(OrderedPoolTest, BoundedInFlightAndPerWorkerIndex) {
  constexpr int kThreads = 3;
  OrderedPool<int> pool(kThreads, 5);
  std::atomic<int> running{0}, most{0};
  std::atomic<int> busy[kThreads] = {};
  auto job = [&](int worker) {
    EXPECT_GE(worker, 0);
    EXPECT_LT(worker, kThreads);
    EXPECT_EQ(busy[worker]++, 0) << "two jobs on worker " << worker;
    const int now = ++running;
    for (int m = most; now > m && !most.compare_exchange_weak(m, now);) {
    }
    std::this_thread::sleep_for(microseconds(300));
    --running;
    --busy[worker];
    return worker;
  };
  for (int i = 0; i < 5; ++i) pool.submit(job);
  EXPECT_TRUE(pool.full());
  EXPECT_EQ(pool.in_flight(), 5u);
  EXPECT_THROW(pool.submit(job), std::logic_error);
  pool.next();
  EXPECT_FALSE(pool.full());
  for (int i = 0; i < 50; ++i) {
    pool.submit(job);
    EXPECT_LE(pool.in_flight(), 5u);
    pool.next();
  }
  while (!pool.empty()) pool.next();
  EXPECT_LE(most.load(), kThreads);
  EXPECT_THROW(pool.next(), std::logic_error);
}

// A job's exception reaches the consumer at that job's turn; the jobs after it are unaffected.
TEST(OrderedPoolTest, ExceptionsPropagateToTheConsumerInOrder) {
  for (int threads : {0, 2}) {
    OrderedPool<int> pool(threads, 4);
    for (int i = 0; i < 4; ++i)
      pool.submit([i](int) {
        if (i == 2) throw std::runtime_error("job 2 failed");
        return i;
      });
    EXPECT_EQ(pool.next(), 0);
    EXPECT_EQ(pool.next(), 1);
    try {
      pool.next();
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "job 2 failed");
    }
    EXPECT_EQ(pool.next(), 3);
    EXPECT_TRUE(pool.empty());
  }
}

// A consumer that stops early: destroying the pool drops the queued jobs and waits for the
// running ones; clear() drops the results in flight, and the pool goes on with new jobs.
TEST(OrderedPoolTest, CleanShutdownWhenTheConsumerStopsEarly) {
  std::atomic<int> started{0}, finished{0};
  auto slow = [&](int) {
    ++started;
    std::this_thread::sleep_for(microseconds(2000));
    ++finished;
    return 1;
  };
  {
    OrderedPool<int> pool(2, 100);
    for (int i = 0; i < 100; ++i) pool.submit(slow);
    EXPECT_EQ(pool.next(), 1);
  }
  EXPECT_LT(started.load(), 100) << "queued jobs ran after the consumer stopped";
  EXPECT_EQ(started.load(), finished.load()) << "a running job outlived the pool";

  OrderedPool<int> pool(2, 10);
  for (int i = 0; i < 10; ++i) pool.submit(slow);
  pool.clear();
  EXPECT_TRUE(pool.empty());
  for (int i = 0; i < 3; ++i) pool.submit([i](int) { return 100 + i; });
  for (int i = 0; i < 3; ++i) EXPECT_EQ(pool.next(), 100 + i);
}

}  // namespace
}  // namespace bertforge
