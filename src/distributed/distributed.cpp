#include "distributed/distributed.h"

#include <torch/version.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "console/logging.h"
#include "errors/errors.h"

namespace bertforge {
namespace {
constexpr int64_t kBucketElements = 8 << 20;  // 32 MB of fp32 per all-reduce

// LibTorch 2.x split the collectives into c10d::Backend (Gloo, NCCL derive from it); in 1.13 they
// derive from c10d::ProcessGroup.
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif
}  // namespace

struct Distributed::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Collectives> pg;  // Gloo on the CPU, NCCL on CUDA
  torch::Device device = torch::kCPU;  // where the collectives' buffers live
};

namespace {
// Gloo for CPU tensors; NCCL for CUDA ones when this LibTorch was built with it (PyPI's wheels;
// Debian's LibTorch is CPU-only).
c10::intrusive_ptr<Collectives> make_process_group(const c10::intrusive_ptr<c10d::Store>& store,
                                                   const DistEnv& e, const torch::Device& device,
                                                   std::chrono::milliseconds timeout) {
  if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, e.rank, e.world_size, options);
#else
    throw RuntimeError("distributed training on CUDA needs a LibTorch with NCCL",
                       "build against PyPI's torch (TORCH=pip scripts/setup.sh) or use "
                       "train.device=cpu (Gloo)");
#endif
  }
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // GLOO_SOCKET_IFNAME (comma-separated, as in PyTorch): the interfaces to talk over. Without it
  // Gloo uses the address the host name resolves to, which on many machines is a loopback one.
  const char* ifnames = std::getenv("GLOO_SOCKET_IFNAME");
  std::stringstream names(ifnames ? ifnames : "");
  for (std::string name; std::getline(names, name, ',');)
    if (!name.empty())
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
  if (options->devices.empty())
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, e.rank, e.world_size, options);
}
}  // namespace

Distributed::Distributed(const DistEnv& e, const torch::Device& device, int timeout_sec)
    : env_(e), impl_(std::make_unique<Impl>()) {
  if (e.world_size == 1) return;
  const auto timeout = std::chrono::milliseconds(int64_t(timeout_sec) * 1000);
  try {
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<uint16_t>(e.master_port);
    opts.isServer = !e.agent_store && e.rank == 0;
    opts.numWorkers = e.agent_store ? c10::nullopt : c10::optional<size_t>(e.world_size);
    // TCPStore's own wait for workers gives up silently at the timeout (LibTorch 1.13), after
    // which Gloo would wait a second timeout: count the ranks that joined ourselves instead.
    opts.waitWorkers = false;
    opts.timeout = timeout;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 2)
    // LibTorch >= 2.4 asks for the libuv server by default; Debian's LibTorch 2.6 has none. The
    // classic server speaks the same protocol (torchrun's libuv store accepts this client).
    opts.useLibUV = false;
#endif
    c10::intrusive_ptr<c10d::Store> store =
        c10::make_intrusive<c10d::TCPStore>(e.master_addr, opts);
    if (e.agent_store)
      store = c10::make_intrusive<c10d::PrefixStore>(
          "/worker/attempt_" + std::to_string(e.restart_count), store);
    impl_->store = store;
    const std::string joined_key = "bertforge/joined";
    int64_t joined = store->add(joined_key, 1);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (joined < e.world_size) {
      if (std::chrono::steady_clock::now() > deadline)
        throw RuntimeError("rank " + std::to_string(e.rank) + ": only " + std::to_string(joined) +
                               " of " + std::to_string(e.world_size) + " ranks joined at " +
                               e.master_addr + ":" + std::to_string(e.master_port) +
                               " within train.dist_timeout_sec (" + std::to_string(timeout_sec) +
                               " s)",
                           "start every rank with the same MASTER_ADDR/MASTER_PORT and WORLD_SIZE");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      joined = store->add(joined_key, 0);
    }
    impl_->device = device;
    impl_->pg = make_process_group(store, e, device, timeout);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& ex) {
    std::string msg = ex.what();
    auto nl = msg.find('\n');  // c10 errors append a stack trace
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    throw RuntimeError("rank " + std::to_string(e.rank) + ": cannot join the process group at " +
                           e.master_addr + ":" + std::to_string(e.master_port) + " within " +
                           std::to_string(timeout_sec) + " s: " + msg,
                       "check MASTER_ADDR/MASTER_PORT and that every rank started");
  }
  log::info("distributed: rank {} of {} joined via {}:{}{}", e.rank, e.world_size, e.master_addr,
            e.master_port, e.agent_store ? " (torchrun agent store)" : "");
}

Distributed::~Distributed() = default;

namespace {
template <class F>
void guarded(int rank, const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& ex) {
    std::string msg = ex.what();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    throw RuntimeError("rank " + std::to_string(rank) + ": " + what +
                           " failed: another rank died or timed out (" + msg + ")",
                       "see the other ranks' logs; raise train.dist_timeout_sec if it is slow");
  }
}
}  // namespace

void Distributed::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  if (env_.world_size == 1 || tensors.empty()) return;
  torch::NoGradGuard no_grad;
  size_t i = 0;
  while (i < tensors.size()) {
    // One bucket: consecutive tensors up to kBucketElements, flattened into one buffer.
    size_t j = i;
    int64_t n = 0;
    while (j < tensors.size() && (j == i || n + tensors[j].numel() <= kBucketElements))
      n += tensors[j++].numel();
    std::vector<torch::Tensor> flat_parts;
    for (size_t k = i; k < j; ++k) flat_parts.push_back(tensors[k].reshape({-1}));
    std::vector<torch::Tensor> buf{torch::cat(flat_parts)};
    guarded(env_.rank, "all-reduce", [&] { impl_->pg->allreduce(buf)->wait(); });
    int64_t off = 0;
    for (size_t k = i; k < j; ++k) {
      int64_t m = tensors[k].numel();
      tensors[k].copy_(buf[0].narrow(0, off, m).view_as(tensors[k]));
      off += m;
    }
    i = j;
  }
}

std::vector<double> Distributed::all_reduce_sum(const std::vector<double>& values) {
  if (env_.world_size == 1) return values;
  auto t = torch::tensor(values, torch::kFloat64).to(impl_->device);
  std::vector<torch::Tensor> v{t};
  guarded(env_.rank, "all-reduce", [&] { impl_->pg->allreduce(v)->wait(); });
  auto sum = v[0].to(torch::kCPU);
  return std::vector<double>(sum.data_ptr<double>(), sum.data_ptr<double>() + sum.numel());
}

void Distributed::broadcast(std::vector<torch::Tensor>& tensors) {
  if (env_.world_size == 1 || tensors.empty()) return;
  torch::NoGradGuard no_grad;  // the tensors are parameters: leaves that require grad
  std::vector<torch::Tensor> parts;
  for (auto& t : tensors) parts.push_back(t.reshape({-1}));
  std::vector<torch::Tensor> buf{torch::cat(parts)};
  guarded(env_.rank, "broadcast", [&] { impl_->pg->broadcast(buf)->wait(); });
  int64_t off = 0;
  for (auto& t : tensors) {
    t.copy_(buf[0].narrow(0, off, t.numel()).view_as(t));
    off += t.numel();
  }
}

void Distributed::barrier() {
  if (env_.world_size == 1) return;
  guarded(env_.rank, "barrier", [&] { impl_->pg->barrier()->wait(); });
}

}  // namespace bertforge
