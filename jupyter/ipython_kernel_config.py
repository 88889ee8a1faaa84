# Installed by `make install` into the environment's etc/ipython/, so every kernel it starts
# (make demo, make test, papermill, nbval, JupyterLab) loads it.
#
# ipykernel warns "Kernel is running over TCP without encryption" whenever its manager chose
# TCP, as papermill and nbval always do on 127.0.0.1. A user can do nothing about it, so that
# one message is dropped; every other warning of the kernel still shows.
import logging


class _DropPlainTcpWarning(logging.Filter):
    def filter(self, record):
        return "running over TCP without encryption" not in record.getMessage()


logging.getLogger("IPKernelApp").addFilter(_DropPlainTcpWarning())
