import type { ChildProcess } from 'node:child_process';

/** How a child process ended, once it has: the signal that ended it, or `code N`. */
export const exitOf = (child: ChildProcess): Promise<string> =>
  new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
