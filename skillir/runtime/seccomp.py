"""A seccomp filter for sandboxed commands: the kernel interfaces no model command needs.

Capabilities are dropped at both sandbox levels, but as root some interfaces are checked by
uid, not by capability, and others are shared with the host whatever the namespaces: the
kernel keyrings (`add_key`, `keyctl`, `request_key`), tracing and reading other processes
(`ptrace`, `process_vm_*`), mounts and namespaces, modules, kexec, BPF, perf, the clock, swap,
reboot, `open_by_handle_at`. The filter makes each of them fail with EPERM; calls of another
architecture's ABI (i386 through `int 0x80` on x86-64, x32) fail likewise. Everything else is
allowed, so ordinary programs (shells, Python, compilers, git) are unaffected.

The program is classic BPF (`struct sock_filter`), built here for x86-64 and AArch64 (numbers
from the kernel's `asm/unistd_64.h` and `asm-generic/unistd.h`); on other machines there is no
filter (`program()` is None) and the trace says so. bubblewrap loads it from a file descriptor
(`--seccomp FD`); the Landlock level installs it with `prctl(PR_SET_SECCOMP)` before exec.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
from functools import cache

DENIED = (
    "ptrace process_vm_readv process_vm_writev add_key request_key keyctl kexec_load "
    "kexec_file_load init_module finit_module delete_module bpf perf_event_open userfaultfd "
    "mount umount2 pivot_root swapon swapoff reboot open_by_handle_at name_to_handle_at setns "
    "unshare acct settimeofday clock_settime adjtimex clock_adjtime syslog mount_setattr "
    "move_mount open_tree fsopen fsconfig fsmount fspick quotactl"
).split()

# machine → (AUDIT_ARCH_*, syscall numbers of DENIED in order, lowest number of a foreign ABI)
_X86_64 = (
    101, 310, 311, 248, 249, 250, 246, 320, 175, 313, 176, 321, 298, 323, 165, 166, 155, 167,
    168, 169, 304, 303, 308, 272, 163, 164, 227, 159, 305, 103, 442, 429, 428, 430, 431, 432,
    433, 179,
)  # fmt: skip
_AARCH64 = (
    117, 270, 271, 217, 218, 219, 104, 294, 105, 273, 106, 280, 241, 282, 40, 39, 41, 224, 225,
    142, 265, 264, 268, 97, 89, 170, 112, 171, 266, 116, 442, 429, 428, 430, 431, 432, 433, 60,
)  # fmt: skip
_ARCHES = {
    "x86_64": (0xC000003E, _X86_64, 0x40000000),  # x32 calls have bit 30 set
    "aarch64": (0xC00000B7, _AARCH64, None),
}

_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_RET_ALLOW, _RET_EPERM = 0x7FFF0000, 0x00050000 | 1
_OFFSET_NR, _OFFSET_ARCH = 0, 4
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


@cache
def program() -> bytes | None:
    """The filter as `struct sock_filter` records, or None on a machine without a table."""
    arch = _ARCHES.get(platform.machine())
    if arch is None:
        return None
    audit, numbers, foreign = arch
    assert len(numbers) == len(DENIED)
    body: list[tuple[int, int, int, int]] = [(_LD_W_ABS, 0, 0, _OFFSET_ARCH)]
    body.append((_JEQ_K, 0, -1, audit))  # another ABI: deny (jf patched below)
    body.append((_LD_W_ABS, 0, 0, _OFFSET_NR))
    if foreign is not None:
        body.append((_JGE_K, -1, 0, foreign))
    body += [(_JEQ_K, -1, 0, nr) for nr in numbers]
    allow = len(body)
    deny = allow + 1
    out = []
    for index, (code, jt, jf, k) in enumerate(body):
        to_deny = deny - index - 1
        out.append(_insn(code, to_deny if jt < 0 else jt, to_deny if jf < 0 else jf, k))
    out.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
    out.append(_insn(_RET_K, 0, 0, _RET_EPERM))
    return b"".join(out)


def program_fd() -> int | None:
    """A pipe's read end holding the program (for `bwrap --seccomp FD`); None without one.
    The caller passes it to the child (`pass_fds`) and closes it after the spawn."""
    data = program()
    if data is None:
        return None
    read, write = os.pipe()
    try:
        os.write(write, data)  # a few hundred bytes: within the pipe's buffer
    finally:
        os.close(write)
    return read


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def installer(libc: ctypes.CDLL) -> tuple[object, ...] | None:
    """What a child needs to install the filter on itself between fork and exec, prepared in
    the parent: (prctl, fprog, buffer) or None without a table. Needs no_new_privs (or
    CAP_SYS_ADMIN) set first."""
    data = program()
    if data is None:
        return None
    buffer = ctypes.create_string_buffer(data, len(data))
    fprog = _SockFprog(len(data) // 8, ctypes.addressof(buffer))
    return libc.prctl, fprog, buffer


def install(prepared: tuple[object, ...]) -> bool:
    """Install a prepared filter on the calling process (in the child); False when refused."""
    prctl, fprog, _buffer = prepared
    return prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0  # type: ignore[operator]
