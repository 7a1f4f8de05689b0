#!/usr/bin/env python3
"""CPU time of each group of threads during round 2's replay of `meshpulse bench`.

Runs `bench --rounds 2 --no-floor` with bin/meshpulse's JVM options, reads /proc/PID/task/*/stat every 0.2 s while
round 2's replay runs (threads that end are kept at their last reading) and prints the CPU seconds per group of
threads. Linux only. Usage: tools/thread-cpu/bench_threads.py [JAR] [INPUT]
"""
import collections
import os
import subprocess
import sys
import threading
import time

JIT = ("-XX:Tier4InvocationThreshold=100000 -XX:Tier4MinInvocationThreshold=12000 "
       "-XX:Tier4CompileThreshold=300000 -XX:Tier4BackEdgeThreshold=800000").split()
jar = sys.argv[1] if len(sys.argv) > 1 else "app/target/meshpulse.jar"
inp = sys.argv[2] if len(sys.argv) > 2 else "/tmp/m1k"
cmd = (["java", "-Xms256m", "-Xmx2g", "-XX:+UseParallelGC"] + JIT
       + ["--add-modules=jdk.incubator.vector", "-jar", jar, "bench", "--input", inp, "--rounds", "2", "--no-floor"])
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
tick = os.sysconf("SC_CLK_TCK")


def snapshot():
    """Thread id -> (name as the kernel keeps it, at most 15 characters; CPU seconds)."""
    out = {}
    for tid in os.listdir(f"/proc/{proc.pid}/task"):
        try:
            stat = open(f"/proc/{proc.pid}/task/{tid}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[tid] = (name, (int(fields[11]) + int(fields[12])) / tick)
    return out


GROUPS = [("meshpulse-repl", "stream thread and collector"), ("data-plane-kafk", "broker"), ("kafka-", "broker"),
          ("raft", "broker"), ("quorum", "broker"), ("group-coordinat", "broker"), ("kafka-producer-", "producers' network"),
          ("C2 Compiler", "C2"), ("C1 Compiler", "C1"), ("GC Thread", "GC"), ("rocksdb", "RocksDB")]


def group(name):
    if name == "java":  # the main thread
        return "main"
    if name.startswith("kafka-producer-"):
        return "producers' network"
    for prefix, g in GROUPS:
        if name.startswith(prefix):
            return g
    return "other"


last, active = {}, [False]


def sample():
    while proc.poll() is None:
        if active[0]:
            try:
                last.update(snapshot())
            except OSError:
                pass
        time.sleep(0.2)


threading.Thread(target=sample, daemon=True).start()
before = None
for line in proc.stdout:
    sys.stdout.write(line)
    if line.startswith("round 2  baseline"):
        before, started = snapshot(), time.time()
        last.clear()
        active[0] = True
    elif line.startswith("round 2  replay") and before is not None:
        active[0] = False
        time.sleep(0.3)
        cpu = collections.Counter()
        for tid, (name, seconds) in last.items():
            cpu[group(name)] += seconds - (before[tid][1] if tid in before else 0)
        print(f"round 2 replay, CPU by thread group ({time.time() - started:.1f} s wall, {sum(cpu.values()):.1f} s CPU):")
        for g, seconds in cpu.most_common():
            print(f"  {seconds:6.2f} s  {g}")
proc.wait()
