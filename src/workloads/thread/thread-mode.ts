/**
 * Seed 001's thread mode: the parent forks a child that creates N threads, I times.
 *
 *   for i in 0..I−1:
 *     child = fork(parent)                      (parent on CPU 0, child placed on CPU 1 % cpus)
 *     overlap: create threads 0..N−1, then each exits and is joined
 *     serial:  create thread j, it exits, it is joined, then thread j+1
 *     child exits; parent waits (reaps it)
 * Thread j runs on CPU j % cpus; creation runs on the child's CPU (so the child's CPU's stack
 * cache serves the allocations, and each thread's exit refills its own CPU's cache).
 *
 * RCU points (documented): a task that blocks in pthread_join or wait4 sleeps long enough for
 * every pending callback to run (rcu_barrier semantics), then the deferred vfree work runs:
 *   overlap — after the last join; serial — after each join; and after every wait4.
 */
import type { Kernel } from "../../kernel/kernel.js";
import type { Processes } from "../../kernel/processes.js";
import type { Task } from "../../kernel/task.js";
import type { WorkloadBody } from "../bench-run.js";

export type ThreadLifetime = "overlap" | "serial";

export interface ThreadModeParams {
  iterations: number;
  threads: number;
  lifetime: ThreadLifetime;
}

export function threadMode(params: ThreadModeParams): (k: Kernel, p: Processes) => WorkloadBody {
  return (k, p) => ({
    iterations: params.iterations,
    setup() {
      const cpus = k.ctx.nrCpus;
      const parent = p.spawn("thread-bench", 0);
      const childCpu = 1 % cpus;
      const threads: Task[] = new Array<Task>(params.threads);
      return () => {
        const child = p.fork(parent, childCpu);
        if (params.lifetime === "overlap") {
          for (let j = 0; j < params.threads; j++) threads[j] = p.createThread(child, j % cpus);
          for (let j = 0; j < params.threads; j++) p.exit(threads[j]);
          p.rcu.gracePeriod();
        } else {
          for (let j = 0; j < params.threads; j++) {
            const t = p.createThread(child, j % cpus);
            p.exit(t);
            p.rcu.gracePeriod();
          }
        }
        p.exit(child);
        p.wait(child);
        p.rcu.gracePeriod();
      };
    },
  });
}
