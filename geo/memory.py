"""Which allocator Arrow's buffers come from: jemalloc, not pyarrow's default mimalloc.

Measured on the 2-core machine with a district's million issues (``bench_scale``; Arrow holds every text
column of the issues): mimalloc returned freed pages to the system and faulted them back in on the next
allocation, so a dashboard's first open took 14.6 s and peaked at 1.65 GB, the import 12.7-16.6 s at
1.50 GB; with jemalloc the same runs took 8.8 s at 1.40 GB and 11.4-11.9 s at 1.37 GB. The system
allocator was as fast but held 2.3 GB.

``ARROW_DEFAULT_MEMORY_POOL``, when set, is left to decide (Arrow reads it itself).
"""

from __future__ import annotations

import os

import pyarrow as pa


def use_jemalloc() -> str:
    """Make jemalloc Arrow's default pool unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses; returns the pool in use.

    A pyarrow built without jemalloc keeps its default.
    """
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except NotImplementedError:
            pass
    return str(pa.default_memory_pool().backend_name)
