"""The platform on Linux: ``/proc``, sock_diag (netlink), ``prctl``, cgroup2, ``unshare``."""
