"""The Linux implementation of the platform: the portable one (``portable/``), with what Linux adds
(``/proc``, sock_diag over netlink, the child subreaper, a cgroup per target, network namespaces);
and the guard that keeps a portable run on Linux from using any of them."""

#: Commands that only Linux has, which the portable implementation must not run.
LINUX_COMMANDS = frozenset({"unshare", "nsenter", "ss", "ip", "prlimit"})


def forbid_linux_facilities() -> None:
    """Make any direct use of ``/proc``, netlink or a Linux-only command an error in this process
    (an audit hook, PEP 578), for a run of the portable implementation on Linux: it then proves it
    needs none of them. psutil may read ``/proc``, as it must on Linux."""
    import os
    import socket
    import sys
    from types import FrameType

    netlink = getattr(socket, "AF_NETLINK", None)

    def from_psutil() -> bool:
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            if str(frame.f_globals.get("__name__", "")).startswith("psutil"):
                return True
            frame = frame.f_back
        return False

    def hook(event: str, args: tuple[object, ...]) -> None:
        what = ""
        if event in ("open", "os.listdir", "os.scandir") and isinstance(args[0], str | bytes | os.PathLike):
            path = os.fsdecode(args[0])
            if path == "/proc" or path.startswith("/proc/"):
                what = f"reads {path}"
        elif event == "socket.__new__" and netlink is not None and args[1] == netlink:
            what = "opens a netlink socket"
        elif event == "subprocess.Popen" and isinstance(args[1], list | tuple) and args[1]:
            command = os.path.basename(os.fsdecode(args[1][0]))
            if command in LINUX_COMMANDS:
                what = f"runs {command}"
        if what and not from_psutil():
            raise RuntimeError(f"the portable platform {what}: only the Linux implementation may")

    sys.addaudithook(hook)
