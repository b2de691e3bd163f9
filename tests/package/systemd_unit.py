"""systemd_unit: run a service's Exec lines the way systemd would, without
systemd (this machine's PID 1 is not systemd, so `systemctl start` cannot).

    unit = Unit.load("/lib/systemd/system/mailprobe.service")
    proc = unit.spawn("ExecStart", extra_env={...})     # subprocess.Popen

What is reproduced, from the unit file itself:
  - User=/Group= (setpriv --reuid/--regid --init-groups), WorkingDirectory=,
    UMask=, LimitNOFILE= (capped at the current hard limit without
    CAP_SYS_RESOURCE), NoNewPrivileges= (--no-new-privs),
    CapabilityBoundingSet=/AmbientCapabilities= (empty: all dropped);
  - the environment: a base like systemd's (PATH, USER, LOGNAME, HOME,
    SHELL, STATE_DIRECTORY), Environment=, then EnvironmentFile= read as
    root (a leading "-": optional), which wins over Environment=;
  - Exec lines: the "-", "+", "@", "!", ":" prefixes are refused (none is
    used), "$VAR" as a word becomes its whitespace-split words, "${VAR}" is
    replaced in place, "$$" is "$"; quotes are refused (none are used);
  - StateDirectory= (made with StateDirectoryMode= and the user as owner
    when missing, as systemd does at start);
  - a private mount namespace: ProtectSystem=strict (every mount read-only
    except /proc, /sys, /dev and the state directory), ProtectHome=yes
    (empty read-only tmpfs on /home, /root, /run/user), PrivateTmp=yes
    (fresh /tmp and /var/tmp).
Not reproduced (the kernel filters systemd would install): SystemCallFilter,
RestrictAddressFamilies, MemoryDenyWriteExecute, RestrictNamespaces,
PrivateDevices, ProtectKernel*, ProtectProc and the rest of
NOT_EMULATED; `systemd-analyze verify` and `systemd-analyze security`
check those settings instead. A directive in neither list fails loudly,
so a new one is a decision, not a silent gap.
"""
import json
import os
import pwd
import re
import resource
import shlex
import subprocess
import sys

EMULATED = {
    "Type", "User", "Group", "EnvironmentFile", "Environment", "StateDirectory",
    "StateDirectoryMode", "WorkingDirectory", "ExecStart", "ExecReload", "ExecStartPost",
    "UMask", "LimitNOFILE", "NoNewPrivileges", "CapabilityBoundingSet", "AmbientCapabilities",
    "ProtectSystem", "ProtectHome", "PrivateTmp",
}
NOT_EMULATED = {
    "KillSignal", "TimeoutStopSec", "Restart", "RestartSec", "PrivateDevices",
    "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups",
    "ProtectClock", "ProtectHostname", "ProtectProc", "RestrictAddressFamilies", "RestrictNamespaces",
    "RestrictRealtime", "RestrictSUIDSGID", "LockPersonality", "MemoryDenyWriteExecute", "RemoveIPC",
    "SystemCallArchitectures", "SystemCallFilter", "SystemCallErrorNumber",
}
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class UnitError(Exception):
    """The unit uses something this emulation does not reproduce."""


class Unit:
    def __init__(self, path, sections):
        self.path = path
        self.sections = sections  # {"Service": {"Key": [values...]}}

    @classmethod
    def load(cls, path):
        sections, current = {}, None
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.strip()
                if not line or line[0] in "#;":
                    continue
                if line.startswith("[") and line.endswith("]"):
                    current = sections.setdefault(line[1:-1], {})
                    continue
                if current is None or "=" not in line or line.endswith("\\"):
                    raise UnitError(f"{path}: cannot read {line!r}")
                key, value = (s.strip() for s in line.split("=", 1))
                values = current.setdefault(key, [])
                if value:
                    values.append(value)
                else:
                    values.clear()  # an empty assignment resets the list
        unit = cls(path, sections)
        for key in unit.sections.get("Service", {}):
            if key not in EMULATED and key not in NOT_EMULATED:
                raise UnitError(f"{path}: [Service] {key}= is new to tests/package/systemd_unit.py: "
                                "emulate it or list it in NOT_EMULATED")
        return unit

    def get(self, key, default=None, section="Service"):
        values = self.sections.get(section, {}).get(key)
        return values[-1] if values else default

    def get_all(self, key, section="Service"):
        return list(self.sections.get(section, {}).get(key, []))

    # --- environment -------------------------------------------------------

    def environment(self, extra=None):
        """What the service's process would see: systemd's base, then
        Environment=, then the EnvironmentFile= files (read as root)."""
        env = {"PATH": BASE_PATH, "LANG": "C.UTF-8"}
        user = self.get("User")
        if user:
            pw = pwd.getpwnam(user)
            env.update(USER=user, LOGNAME=user, HOME=pw.pw_dir, SHELL=pw.pw_shell)
        if self.get("StateDirectory"):
            env["STATE_DIRECTORY"] = "/var/lib/" + self.get("StateDirectory")
        for line in self.get_all("Environment"):
            for assignment in shlex.split(line):
                key, _, value = assignment.partition("=")
                env[key] = value
        for spec in self.get_all("EnvironmentFile"):
            optional = spec.startswith("-")
            path = spec.lstrip("-")
            if not os.path.exists(path):
                if optional:
                    continue
                raise UnitError(f"EnvironmentFile {path} is missing")
            env.update(read_environment_file(path))
        env.update(extra or {})
        return env

    def command(self, key, env, mainpid=None):
        """The argv of an Exec line after systemd's variable expansion."""
        line = self.get(key)
        if line is None:
            raise UnitError(f"{self.path}: no {key}=")
        if line[0] in "-+@!:":
            raise UnitError(f"{self.path}: {key}= prefix {line[0]!r} is not emulated")
        if "'" in line or '"' in line:
            raise UnitError(f"{self.path}: quoting in {key}= is not emulated")
        env = dict(env)
        if mainpid is not None:
            env["MAINPID"] = str(mainpid)
        argv = []
        for word in line.split():
            if word == "$$":
                argv.append("$")
            elif re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", word):
                argv.extend(env.get(word[1:], "").split())  # "$VAR": zero or more words
            else:
                argv.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), word))
        return argv

    # --- running -----------------------------------------------------------

    def sandbox_spec(self):
        """What the child needs to rebuild the service's world (JSON)."""
        state = self.get("StateDirectory")
        state_dir = "/var/lib/" + state if state else None
        user, group = self.get("User"), self.get("Group")
        for key, wanted in (("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                            ("NoNewPrivileges", "yes")):
            if self.get(key) not in (None, wanted):
                raise UnitError(f"{self.path}: {key}={self.get(key)} is not emulated (only {wanted})")
        for key in ("CapabilityBoundingSet", "AmbientCapabilities"):
            if self.get_all(key):
                raise UnitError(f"{self.path}: a non-empty {key}= is not emulated")
        return {
            "user": user, "group": group or user,
            "state_dir": state_dir, "state_mode": int(self.get("StateDirectoryMode", "0755"), 8),
            "cwd": self.get("WorkingDirectory", "/"),
            "umask": int(self.get("UMask", "0022"), 8),
            "nofile": int(self.get("LimitNOFILE")) if self.get("LimitNOFILE") else None,
            "protect_system": self.get("ProtectSystem") == "strict",
            "protect_home": self.get("ProtectHome") == "yes",
            "private_tmp": self.get("PrivateTmp") == "yes",
            "no_new_privs": self.get("NoNewPrivileges") == "yes",
            "drop_caps": "CapabilityBoundingSet" in self.sections.get("Service", {}),
        }

    def spawn(self, key="ExecStart", extra_env=None, argv=None, mainpid=None, **popen):
        """Starts an Exec line (or argv) as the service would run it;
        mainpid fills $MAINPID (ExecReload). Returns the Popen; its pid is
        the service's main PID (unshare and setpriv exec in place)."""
        env = self.environment(extra_env)
        argv = argv or self.command(key, env, mainpid)
        return subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--",
             sys.executable, os.path.abspath(__file__), json.dumps(self.sandbox_spec()), "--", *argv],
            env=env, **popen)

    def run(self, key="ExecStart", extra_env=None, argv=None, mainpid=None, timeout=120):
        """spawn() and wait: a CompletedProcess with the output as text."""
        p = self.spawn(key, extra_env, argv, mainpid, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = p.communicate(timeout=timeout)
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def read_environment_file(path):
    """KEY=VALUE lines; '#' and ';' comments; surrounding quotes removed."""
    env = {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;" or "=" not in line:
                continue
            key, value = (s.strip() for s in line.split("=", 1))
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            env[key] = value
    return env


def mount_points():
    """(mount point, options) of every mount, from /proc/self/mountinfo."""
    out = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            out.append((point, fields[5]))
    return out


def mount(*args):
    subprocess.run(["mount", *args], check=True)


def enter_sandbox(spec, argv):
    """In the fresh mount namespace: the service's file system view, then
    exec setpriv → the command, in this same process."""
    state_dir = spec["state_dir"]
    user = pwd.getpwnam(spec["user"]) if spec["user"] else None
    if state_dir and not os.path.isdir(state_dir):
        os.makedirs(state_dir, mode=spec["state_mode"])
        if user:
            os.chown(state_dir, user.pw_uid, user.pw_gid)
    if spec["protect_system"]:
        before = mount_points()
        writable = [state_dir] if state_dir else []
        for path in writable:
            mount("--bind", path, path)
        for point, options in before:
            if point.startswith(("/proc", "/sys", "/dev")) or "ro" in options.split(","):
                continue
            mount("-o", "remount,bind,ro", point)
    if spec["protect_home"]:
        for path in ("/home", "/root", "/run/user"):
            if os.path.isdir(path):
                mount("-t", "tmpfs", "-o", "ro,mode=0755,nosuid,nodev", "tmpfs", path)
    if spec["private_tmp"]:
        for path in ("/tmp", "/var/tmp"):
            mount("-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", path)
    os.umask(spec["umask"])
    if spec["nofile"]:
        # Raising the hard limit needs CAP_SYS_RESOURCE, which a container
        # may lack (systemd, as PID 1, has it): then up to the hard limit.
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (spec["nofile"], spec["nofile"]))
        except ValueError:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(spec["nofile"], hard), hard))
    os.chdir(spec["cwd"])
    setpriv = ["setpriv"]
    if user:
        setpriv += ["--reuid", spec["user"], "--regid", spec["group"], "--init-groups"]
    if spec["no_new_privs"]:
        setpriv.append("--no-new-privs")
    if spec["drop_caps"]:
        setpriv += ["--bounding-set=-all", "--inh-caps=-all"]
    os.execvp("setpriv", setpriv + ["--", *argv])


if __name__ == "__main__":
    # systemd_unit.py SPEC_JSON -- COMMAND...  (run by Unit.spawn under unshare)
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: systemd_unit.py SPEC_JSON -- COMMAND...")
    enter_sandbox(json.loads(sys.argv[1]), sys.argv[3:])
