import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BaseConfig } from '../config/base-config';
import { loadConfig } from '../config/load-config';
import { roleArnSetting } from '../config/role-arn';
import * as z from '../validation/z';
import { AmbientCredentials, type PracticeCredentials, StsPracticeCredentials } from './practice-credentials';

/**
 * What the isolation layer reads from the environment. `PRACTICE_DATA_ROLE_ARN` is set by the api stack on
 * every function that touches practice data; without it practice data is read with the function's own
 * credentials, which only makes sense against the local stack (dynalite), so then `DYNAMODB_ENDPOINT` must
 * be set. In AWS a missing role ARN is a broken deployment and stops the cold start.
 */
export const IsolationConfig = z
  .object({
    AWS_REGION: BaseConfig.shape.AWS_REGION,
    DYNAMODB_ENDPOINT: BaseConfig.shape.DYNAMODB_ENDPOINT,
    PRACTICE_DATA_ROLE_ARN: z.optional(roleArnSetting()),
  })
  .check(
    z.refine((config) => Boolean(config.PRACTICE_DATA_ROLE_ARN || config.DYNAMODB_ENDPOINT), {
      message:
        'is required in AWS: practice data is read only with credentials scoped to one practice ' +
        '(only the local stack, with DYNAMODB_ENDPOINT, runs without it)',
      path: ['PRACTICE_DATA_ROLE_ARN'],
    }),
  );
export type IsolationConfig = z.infer<typeof IsolationConfig>;

type RequestHandler = DynamoDBClientConfig['requestHandler'];

export interface ScopedClientsOptions {
  region: string;
  /** The local stack's dynalite; unset in AWS. */
  dynamoDbEndpoint?: string;
  credentials: PracticeCredentials;
  /** Practices whose clients one container keeps; the least recently used are dropped beyond it. */
  maxPractices?: number;
  /** For tests: the HTTP handler every client sends through (by default one per service, shared). */
  requestHandler?: RequestHandler;
}

/** The same document-client options as `createDocumentClient` (layers/storage/dynamo-client.ts). */
const TRANSLATE_CONFIG = {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
} as const;

/**
 * SDK clients per practice, built with that practice's credentials, plus one client with the function's own
 * credentials for what is not practice data (PLATFORM items and USER# membership pointers; in AWS its role
 * can read nothing else).
 *
 * A client per practice is cheap: they all send through the first client's HTTP handler (one connection
 * pool per service per container) and differ only in their credentials. Clients and credentials are kept per
 * container, like every SDK client, so a warm container signs with cached credentials.
 */
export class ScopedClients {
  private platformDynamo?: DynamoDBClient;
  private platformDocuments?: DynamoDBDocumentClient;
  private readonly documents = new Map<string, DynamoDBDocumentClient>();
  private readonly others = new Map<string, Map<string, unknown>>();
  private readonly maxPractices: number;

  constructor(private readonly options: ScopedClientsOptions) {
    this.maxPractices = options.maxPractices ?? 500;
  }

  /** Reads and writes of one practice's items (`pk = PRACTICE#<practiceId>`), in any table. */
  practiceDocumentClient(practiceId: string): DynamoDBDocumentClient {
    return this.cached(this.documents, practiceId, () => {
      const credentials = this.options.credentials.forPractice(practiceId);
      const client = new DynamoDBClient({
        ...this.dynamoDbSettings(),
        requestHandler: this.options.requestHandler ?? this.platformDynamoClient().config.requestHandler,
        ...(credentials ? { credentials } : {}),
      });
      return DynamoDBDocumentClient.from(client, TRANSLATE_CONFIG);
    });
  }

  /**
   * Another service's client for one practice (`service` names it: `kms`), built by `create` with that
   * practice's credentials and kept like the document clients. The service's own module builds it, so a
   * function bundles only the clients it uses (layers/isolation/practice-kms.ts for KMS).
   */
  practiceClient<T>(
    service: string,
    practiceId: string,
    create: (settings: {
      region: string;
      credentials: ReturnType<PracticeCredentials['forPractice']>;
      requestHandler?: unknown;
    }) => T,
  ): T {
    let clients = this.others.get(service) as Map<string, T> | undefined;
    if (!clients) {
      clients = new Map<string, T>();
      this.others.set(service, clients);
    }
    return this.cached(clients, practiceId, () =>
      create({
        region: this.options.region,
        credentials: this.options.credentials.forPractice(practiceId),
        ...(this.options.requestHandler ? { requestHandler: this.options.requestHandler } : {}),
      }),
    );
  }

  /** The function's own credentials: PLATFORM items and membership pointers only. */
  platformDocumentClient(): DynamoDBDocumentClient {
    this.platformDocuments ??= DynamoDBDocumentClient.from(this.platformDynamoClient(), TRANSLATE_CONFIG);
    return this.platformDocuments;
  }

  private platformDynamoClient(): DynamoDBClient {
    this.platformDynamo ??= new DynamoDBClient({
      ...this.dynamoDbSettings(),
      ...(this.options.requestHandler ? { requestHandler: this.options.requestHandler } : {}),
    });
    return this.platformDynamo;
  }

  private dynamoDbSettings() {
    return {
      region: this.options.region,
      ...(this.options.dynamoDbEndpoint ? { endpoint: this.options.dynamoDbEndpoint } : {}),
      maxAttempts: 3,
    };
  }

  private cached<T>(clients: Map<string, T>, practiceId: string, create: () => T): T {
    let client = clients.get(practiceId);
    if (client) {
      clients.delete(practiceId);
    } else {
      // forPractice (in `create`) refuses a malformed id before anything is built or cached.
      client = create();
    }
    clients.set(practiceId, client);
    // Dropped clients are not destroyed: they share the HTTP handler with the clients still in use.
    while (clients.size > this.maxPractices) {
      const oldest = clients.keys().next().value;
      if (oldest === undefined) break;
      clients.delete(oldest);
    }
    return client;
  }
}

/**
 * AWS (STS) or local (ambient) credentials, from the configuration. The STS client signs with the function's
 * own role, which may do nothing with practice data but assume the practice data role with a `practiceId` tag.
 */
export function createScopedClients(
  config: IsolationConfig,
  overrides: {
    sts?: STSClient;
    now?: () => number;
    requestHandler?: ScopedClientsOptions['requestHandler'];
  } = {},
): ScopedClients {
  const credentials: PracticeCredentials = config.PRACTICE_DATA_ROLE_ARN
    ? new StsPracticeCredentials({
        roleArn: config.PRACTICE_DATA_ROLE_ARN,
        sts: overrides.sts ?? new STSClient({ region: config.AWS_REGION, maxAttempts: 3 }),
        ...(overrides.now ? { now: overrides.now } : {}),
      })
    : new AmbientCredentials();
  return new ScopedClients({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT ? { dynamoDbEndpoint: config.DYNAMODB_ENDPOINT } : {}),
    credentials,
    ...(overrides.requestHandler ? { requestHandler: overrides.requestHandler } : {}),
  });
}

let defaultClients: ScopedClients | undefined;

/**
 * This container's clients, from its environment, parsed once. Call it at module scope in a handler so a
 * missing or malformed setting fails the cold start with a ConfigError, not the first request that needs it.
 */
export function scopedClients(env: NodeJS.ProcessEnv = process.env): ScopedClients {
  defaultClients ??= createScopedClients(loadConfig(IsolationConfig, env));
  return defaultClients;
}

/** The container's document client for one practice's items. */
export function practiceDocumentClient(practiceId: string): DynamoDBDocumentClient {
  return scopedClients().practiceDocumentClient(practiceId);
}

/** The container's document client with the function's own credentials (PLATFORM and USER# items only). */
export function platformDocumentClient(): DynamoDBDocumentClient {
  return scopedClients().platformDocumentClient();
}
