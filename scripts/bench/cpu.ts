// CPU time spent, in milliseconds: this process (API, client, worker and its workflow threads, the
// sinks) and its child processes still running (the dev server). On a 2-core machine throughput is
// bound by CPU, so CPU per transfer says where a path's cost goes.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function statOf(pid: number): { ppid: number; ms: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * TICK_MS };
  } catch {
    return undefined;
  }
}

/** CPU ms of every living descendant of this process (0 where /proc is not there). */
function childrenMs(): number {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return 0;
  }
  const stats = new Map(pids.map((p) => [p, statOf(p)] as const));
  const descendants = new Set<number>([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats) {
      if (s && !descendants.has(pid) && descendants.has(s.ppid)) {
        descendants.add(pid);
        grew = true;
      }
    }
  }
  descendants.delete(process.pid);
  return [...descendants].reduce((sum, pid) => sum + (stats.get(pid)?.ms ?? 0), 0);
}

export interface CpuMark {
  self: number;
  children: number;
}

export function cpuMark(): CpuMark {
  const u = process.cpuUsage();
  return { self: (u.user + u.system) / 1000, children: childrenMs() };
}

export function cpuSince(mark: CpuMark): CpuMark {
  const now = cpuMark();
  return { self: now.self - mark.self, children: now.children - mark.children };
}
