import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { round, summarise } from './stats';

const ENTRY = fileURLToPath(new URL('./cold-entry.mjs', import.meta.url));

export interface ColdStartPlan {
  bundle: string;
  environment: Record<string, string>;
  /** A JSON file holding the first invocation's event; without it only the import is measured. */
  eventFile?: string;
}

/**
 * Wall time of one fresh process, in milliseconds; throws with its stderr if it failed. Asynchronous: the
 * stand-ins a first invocation calls (dynalite, the local PDS) run in this process and must keep answering.
 */
function timeOnce(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      if (status === 0) resolve(elapsed);
      else reject(new Error(`node ${args.join(' ')} failed (${status}): ${stderr.slice(-800)}`));
    });
  });
}

/**
 * Paired whole-process runs: bare `node -e 0`, the import of the bundle, and the import plus its first
 * invocation, in turn, `runs` times, after a warm-up of each (the file cache). Each figure over the baseline
 * is the median of the per-pair differences, so a machine that speeds up or slows down during the run
 * shifts both sides of a pair alike.
 */
export async function measureColdStart(plan: ColdStartPlan, runs: number) {
  const env = { PATH: process.env.PATH ?? '', ...plan.environment };
  const bare = ['-e', '0'];
  const importOnly = [ENTRY, plan.bundle];
  const withInvocation = plan.eventFile ? [ENTRY, plan.bundle, plan.eventFile] : undefined;
  await timeOnce(bare, env);
  await timeOnce(importOnly, env);
  if (withInvocation) await timeOnce(withInvocation, env);
  const baseline: number[] = [];
  const imported: number[] = [];
  const invoked: number[] = [];
  for (let i = 0; i < runs; i++) {
    baseline.push(await timeOnce(bare, env));
    imported.push(await timeOnce(importOnly, env));
    if (withInvocation) invoked.push(await timeOnce(withInvocation, env));
  }
  const over = (samples: number[]) =>
    round(summarise(samples.map((sample, i) => sample - (baseline[i] as number))).p50);
  return {
    baselineMs: summarise(baseline),
    importMs: summarise(imported),
    importOverBaselineMs: over(imported),
    ...(withInvocation
      ? {
          importAndFirstInvocationMs: summarise(invoked),
          importAndFirstInvocationOverBaselineMs: over(invoked),
        }
      : {}),
  };
}
