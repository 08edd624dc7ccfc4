#!/usr/bin/python3
"""torchrun for a PyTorch whose TCPStore asks for libuv that its build lacks.

Debian 13's python3-torch (2.6) is built without libuv, yet its TCPStore defaults to use_libuv=True:
its own torchrun cannot start ("use_libuv was requested but PyTorch was build without libuv
support"). This runs torchrun with the same arguments, its stores on the classic backend (the same
protocol: bertforge's ranks join them either way):
    python3 scripts/torchrun_nolibuv.py --nproc_per_node 2 --no_python bertforge train --config C
"""
import sys

import torch.distributed as dist


class TCPStore(dist.TCPStore):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("use_libuv", False)
        super().__init__(*args, **kwargs)


dist.TCPStore = TCPStore
# the rendezvous modules bind the name at import
import torch.distributed.elastic.rendezvous.c10d_rendezvous_backend as c10d_backend  # noqa: E402
import torch.distributed.elastic.rendezvous.static_tcp_rendezvous as static_rdzv  # noqa: E402

c10d_backend.TCPStore = TCPStore
static_rdzv.TCPStore = TCPStore

from torch.distributed.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
