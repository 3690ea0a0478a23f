import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { IRole, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { CapabilityId } from '../../layers/capabilities';
import type { AlarmDefinition, FunctionDefinition } from '../../layers/functions/definition';
import type { EventFunctionDefinition } from '../../layers/functions/event-function';
import type { RouteAuth } from '../../layers/http/route';
import type { StageConfig } from '../config';
import type { StageFunctionSettings } from '../constructs/app-function';
import type { StageTables } from '../stacks/data-stack';

/** A function as a capability sees it: its declaration (a route also says who may call it). */
export type CapabilityUser = FunctionDefinition & { auth?: RouteAuth };

/**
 * What a capability adds to one function: its environment variables, IAM statements for its own role, and
 * statements for its practice sessions (its practice data role: what it may do inside one practice).
 */
export interface Binding {
  environment?: Record<string, string>;
  statements?: PolicyStatement[];
  /** Compliance findings these statements raise on the function's policy, each with why it is right. */
  acknowledgements?: { findings: readonly string[]; reason: string }[];
  /** Only for functions that touch practice data; scoped to the session's practice by its tag. */
  practiceSession?: PolicyStatement[];
}

/** What a capability gets to work with in AWS: the api stack, the stage and what earlier stacks made. */
export interface AwsStage {
  scope: Construct;
  config: StageConfig;
  /** A raw CDK context value (`-c key=value` or cdk.json), for the capability's own settings. */
  context: (key: string) => unknown;
  functionSettings: StageFunctionSettings;
  userPool: { userPoolId: string; userPoolArn: string };
  /** Sends an alarm the capability made on its own resources (a dead-letter queue's depth) to the operators. */
  addOperatorAlarm(alarm: Alarm): void;
  /** The stage's tables (the compliance trail records their data events). */
  tables: StageTables;
  /**
   * Buckets holding the app's exports and evidence (offboarding exports, audit digest copies): the compliance
   * trail records their data events. A capability that makes one adds it here.
   */
  dataEventBuckets: IBucket[];
}

/** A function its trigger capability connects, after it is made. */
export interface TriggeredFunction {
  fn: IFunction;
  role: IRole;
  /** Its only policy: a trigger adds what consuming its events needs (receiving from a queue, say). */
  permissions: ManagedPolicy;
}

export interface AwsCapability {
  /** Environment and IAM for one function that uses the capability. */
  use(user: CapabilityUser): Binding;
  /**
   * How the function is invoked when this capability triggers it, for the compliance packs: where failed
   * invocations go (or why nowhere), and what bounds its concurrency. Asked before the function is made.
   */
  invocation?(user: EventFunctionDefinition): { deadLetterQueue: string; concurrency: string };
  /** Makes the function the consumer of the capability's events (a queue, a log subscription, a rule). */
  trigger?(user: EventFunctionDefinition, target: TriggeredFunction): void;
}

/** What a capability gets to work with on a laptop: where data lives and the one origin everything is on. */
export interface LocalStage {
  dataDir: string;
  origin: string;
  /** Settings a test or `npm start` passes (the same variables the functions read). */
  env: Readonly<Record<string, string | undefined>>;
}

/** A page or API of a stand-in, mounted on the local origin (e.g. the patient's phone at `/local/phone/`). */
export interface LocalMount {
  prefix: `/${string}`;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** A running stand-in: how functions reach it, and what `npm start` prints about it. */
export interface LocalCapability {
  /** Variables for the functions that use it (every local function shares one process environment). */
  environment: Record<string, string>;
  /** Calls `invoke` with events in the same shape and with the same delivery semantics as in AWS. */
  trigger?(user: EventFunctionDefinition, invoke: (event: unknown) => Promise<unknown>): void;
  mounts?: LocalMount[];
  /** Takes a WebSocket upgrade on the local origin (returns false for a path that is not its own). */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** What the browser apps are told about this stand-in (merged into `/config.json`). */
  webConfig?: Record<string, unknown>;
  /** Lines for `npm start`'s banner: where it is, what to try. */
  describe?(): string[];
  close(): Promise<void>;
}

/**
 * An outside system, in one module: `infra/capabilities/<id>.ts` exports `capability`. Functions declare
 * `uses: ['<id>']`; the CDK api stack calls `aws()` once per stage and `use()` per function that uses it; the
 * local stack calls `local()` once and gives every function its environment. Nothing else in infra knows it.
 */
export interface Capability<Local extends LocalCapability = LocalCapability> {
  id: CapabilityId;
  summary: string;
  /**
   * The AWS SDK clients its adapter brings into a function's bundle (by class name without `Client`: `SNS`):
   * a test checks every bundle carries exactly the clients of what it declares.
   */
  clients?: readonly string[];
  /** Operator alarms on metrics its adapter publishes. */
  alarms?: readonly AlarmDefinition[];
  /**
   * For a system outside our control (slow when it is unwell, rate-limited by its owner): the Lambda
   * concurrency each function that calls it reserves, which also caps it, so that waiting on this system can
   * never take the concurrency every other function shares.
   */
  reservedConcurrency?: number;
  aws(stage: AwsStage): AwsCapability;
  local(stage: LocalStage): Promise<Local>;
}

export function defineCapability<Local extends LocalCapability>(
  capability: Capability<Local>,
): Capability<Local> {
  return capability;
}

/** What the stand-in of a capability offers tests beyond the common part. */
export type LocalOf<C> = C extends Capability<infer Local> ? Local : never;
