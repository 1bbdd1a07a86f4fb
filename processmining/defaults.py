"""Settings shared by the reader and the event log, in a module that imports nothing itself.

The command line starts reading a large CSV file before pandas is loaded (see
:mod:`processmining.ingest.arrow_csv`); the profile it reads for that needs these, not the log's module.
"""

from __future__ import annotations

import os
import sys

__all__ = ["DEFAULT_TIMEZONE", "use_system_allocator"]

#: The time zone of naive times unless a profile or the caller says otherwise.
DEFAULT_TIMEZONE = "Europe/Stockholm"


def use_system_allocator() -> None:
    """Arrow's buffers from glibc's malloc, not from Arrow's default mimalloc (Linux, unless the user set
    ``ARROW_DEFAULT_MEMORY_POOL``): mimalloc keeps the memory it frees mapped for reuse, so after reading a
    1.1M-event CSV the process held 460 MB instead of 343 MB (the same data), and the peak of a whole run was
    ~80 MB higher; no slower (docs/benchmarks.md). glibc gives freed memory back at
    :func:`~processmining.log.release_unused_memory`. Called before the first buffer is made (by the modules
    that import pyarrow for the log); idempotent."""
    if sys.platform.startswith("linux") and "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())
