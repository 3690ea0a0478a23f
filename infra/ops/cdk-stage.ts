import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../config';

export type CdkCommand = 'deploy' | 'diff';

export class CdkStageUsageError extends Error {
  override readonly name = 'CdkStageUsageError';
}

const STAGE = /^[a-z][a-z0-9-]{1,20}$/;

/**
 * The `cdk` arguments for `npm run deploy` / `npm run diff`: every stack of the stage (`--all`), with the stage
 * from `--stage <name>` (or `--stage=<name>`), else `STAGE` from the environment, else a `-c stage=` already
 * given; every other argument (`-c key=value`, `--profile`, `--require-approval`, ...) passes through as it is.
 * A stage named twice, differently, is refused rather than guessed.
 */
export function cdkArguments(command: CdkCommand, argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const passThrough: string[] = [];
  const named: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '--stage') {
      const value = argv[index + 1];
      if (!value || value.startsWith('-')) throw new CdkStageUsageError('--stage needs a stage name.');
      named.push(value);
      index += 1;
    } else if (arg.startsWith('--stage=')) {
      named.push(arg.slice('--stage='.length));
    } else if ((arg === '-c' || arg === '--context') && argv[index + 1]?.startsWith('stage=')) {
      named.push((argv[index + 1] as string).slice('stage='.length));
      index += 1;
    } else {
      passThrough.push(arg);
    }
  }
  if (named.length === 0 && env.STAGE) named.push(env.STAGE);
  const stages = new Set(named);
  if (stages.size === 0) {
    throw new CdkStageUsageError(
      `Which stage? npm run ${command} -- --stage dev (or STAGE=dev npm run ${command}); other -c settings pass through.`,
    );
  }
  if (stages.size > 1) throw new CdkStageUsageError(`Two stages given: ${[...stages].join(' and ')}.`);
  const [stage] = stages as Set<string>;
  if (!STAGE.test(stage as string)) {
    throw new CdkStageUsageError(`"${stage}" is not a stage name (lowercase letters, digits and "-").`);
  }
  return [command, '--all', '-c', `stage=${stage}`, ...passThrough];
}

/** `tsx infra/ops/cdk-stage.ts deploy|diff [--stage <name>] [...cdk arguments]`. */
async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'deploy' && command !== 'diff') {
    console.error('Usage: tsx infra/ops/cdk-stage.ts deploy|diff --stage <name> [...cdk arguments]');
    return 2;
  }
  let args: string[];
  try {
    args = cdkArguments(command, rest, process.env);
  } catch (error) {
    if (!(error instanceof CdkStageUsageError)) throw error;
    console.error(error.message);
    return 2;
  }
  // The pinned CLI from node_modules (package.json), never whatever `cdk` is on the PATH.
  const cli = createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');
  console.log(`cdk ${args.join(' ')}`);
  const child = spawn(process.execPath, [cli, ...args], { cwd: REPO_ROOT, stdio: 'inherit' });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolvePath(process.argv[1])).href) {
  main().then((code) => process.exit(code));
}
