"""The kernel manager class qldrops gives Voila: counts kernel starts.

``kernels_started`` lets the health check (and the tests) prove that a
refused link started no kernel. Voila's preheating manager is built on top of
this class, so pool kernels are counted too.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class CountingKernelManager(AsyncMappingKernelManager):
    """AsyncMappingKernelManager that counts the kernels it starts."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.kernels_started = 0

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]  # async in jupyter_server's AsyncMappingKernelManager; jupyter_client's stub declares it sync
        if kwargs.get("kernel_id") is None:  # a restart reuses its id and is not a new kernel
            self.kernels_started += 1
        return await super().start_kernel(*args, **kwargs)
