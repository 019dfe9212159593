"""What the instructor's lab container is given, and no student's, so that `grade` can sandbox there.

The grader runs each submission under bubblewrap (sandbox.py): new user, PID, network, IPC and
mount namespaces, a fresh /proc, a root file system of its own. Inside a container started with
Docker's defaults that fails twice over:

1. Docker's default seccomp profile refuses the calls that make namespaces and mounts (`unshare`,
   `clone` with namespace flags, `mount`, `umount2`, `pivot_root`) to a container without
   CAP_SYS_ADMIN: bubblewrap says "No permissions to create new namespace".
2. Docker masks parts of /proc (/proc/kcore, /proc/keys, ...) with mounts over them and makes
   others read-only; the kernel then refuses a new proc mount in a user namespace, since it
   would show what the masks hide: "Can't mount proc on /newroot/proc: Operation not permitted".

So the instructor's lab, and only it, gets:

- `seccomp_profile()`: every call allowed except those Docker's default profile refuses to a
  container without added capabilities (its documented list), less the five bubblewrap needs. The
  lab's process is still uid 1000 with Docker's default capabilities: the kernel's own permission
  checks apply as before, and a namespace the lab makes gives it no right outside it;
- no masked or read-only /proc paths (`docker run --security-opt systempaths=unconfined`): what
  they hide is readable by root only, and the lab never runs as root;
- `apparmor=unconfined`, only on an engine whose host has AppArmor (its docker-default profile
  refuses mounts);
- the group that may read the solved notebooks in the image (the grader puts their check cells
  back); students' labs are not in it.

Never the Docker socket: a lab that could start containers would own the host.
"""

from __future__ import annotations

import json

SOLUTIONS_GID = 1990  # group `solutions` in the lab image (classroom/lab.Dockerfile)

# Docker's default profile refuses these to a container with the default capabilities (Docker's
# "Significant syscalls blocked by the default profile", and the newer mount API beside `mount`).
DOCKER_REFUSES = (
    "acct add_key bpf clock_adjtime clock_settime create_module delete_module finit_module "
    "fsconfig fsmount fsopen fspick get_kernel_syms init_module ioperm iopl kexec_file_load "
    "kexec_load keyctl lookup_dcookie move_mount nfsservctl open_by_handle_at open_tree "
    "perf_event_open quotactl reboot request_key setns settimeofday stime swapoff swapon sysfs "
    "_sysctl umount uselib userfaultfd ustat vm86 vm86old name_to_handle_at"
).split()
# What bubblewrap needs of them (and `clone` with namespace flags, which Docker filters).
BUBBLEWRAP_NEEDS = ("unshare", "mount", "umount2", "pivot_root", "clone")

ARCHITECTURES = {
    "x86_64": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "aarch64": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
}


def seccomp_profile(machine: str = "x86_64") -> dict:
    """The instructor's lab's seccomp profile (Docker's JSON format). Every architecture the CPU runs
    is listed, so a 32-bit call cannot step around the list."""
    refused = sorted(set(DOCKER_REFUSES) - set(BUBBLEWRAP_NEEDS))
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ARCHITECTURES.get(machine, []),
        "syscalls": [{"names": refused, "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }


def instructor_container(machine: str = "x86_64", apparmor: bool = False) -> tuple[dict, dict]:
    """(extra_host_config, extra_create_kwargs) for DockerSpawner: the instructor's lab only."""
    # DockerSpawner formats every string with the user's names: the profile's braces are doubled.
    profile = json.dumps(seccomp_profile(machine)).replace("{", "{{").replace("}", "}}")
    security = [f"seccomp={profile}"]
    if apparmor:
        security.append("apparmor=unconfined")
    host_config = {"security_opt": security, "group_add": [str(SOLUTIONS_GID)]}
    # `systempaths=unconfined` is the docker CLI's: the Engine's API takes empty lists.
    create = {"host_config": {"MaskedPaths": [], "ReadonlyPaths": []}}
    return host_config, create
