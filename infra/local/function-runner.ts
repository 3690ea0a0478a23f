import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { FUNCTION_DEFAULTS, type FunctionDefinition, handlerModule } from '../../layers/functions/definition';
import { lambdaContext } from './lambda-context';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Runs declared functions the way Lambda does, in this process: the handler module is imported once (its
 * cold start, which parses its configuration), then each invocation gets a fresh context and the function's
 * own timeout.
 */
export function createFunctionRunner(rootDir: string) {
  const handlers = new Map<string, Promise<Handler>>();

  function load(definition: FunctionDefinition): Promise<Handler> {
    let loading = handlers.get(definition.id);
    if (!loading) {
      const module = handlerModule(definition);
      loading = import(pathToFileURL(`${rootDir}/${module}`).href).then(
        (exports: Record<string, unknown>) => {
          if (typeof exports.handler !== 'function') throw new Error(`${module} has no export handler`);
          return exports.handler as Handler;
        },
      );
      handlers.set(definition.id, loading);
    }
    return loading;
  }

  return {
    load,
    async invoke(definition: FunctionDefinition, event: unknown): Promise<unknown> {
      const handler = await load(definition);
      const memoryMb = definition.lambda?.memoryMb ?? FUNCTION_DEFAULTS.memoryMb;
      const timeoutSeconds = definition.lambda?.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${definition.id} timed out after ${timeoutSeconds} s`)),
          timeoutSeconds * 1000,
        );
      });
      try {
        return await Promise.race([
          handler(event, lambdaContext(definition.id, memoryMb, timeoutSeconds)),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type FunctionRunner = ReturnType<typeof createFunctionRunner>;
