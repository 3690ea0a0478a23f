import { Aws, CfnOutput, Duration, Fn, Lazy, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolRiskConfigurationAttachment,
  FeaturePlan,
  LambdaVersion,
  ManagedLoginVersion,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolDomain,
  UserPoolOperation,
  VerificationEmailStyle,
} from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ArnPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { STAFF_STANDING_ATTRIBUTES } from '../../layers/directory/directory-store';
import type { StageConfig } from '../config';
import { AppFunction, type StageFunctionSettings } from '../constructs/app-function';
import { LogEncryptionKey } from '../constructs/log-encryption-key';
import { PracticeDataRole } from '../constructs/practice-data-role';
import { assumePracticeDataRoleStatement, practiceSessionStatements } from '../constructs/table-access';

export interface IdentityStackProps extends StackProps {
  config: StageConfig;
  /** The directory table: the token trigger reads memberships and staff records from it. */
  directoryTable: ITable;
  tableKey: IKey;
}

/** Cognito waits at most 5 seconds for a trigger; a slower answer fails the sign-in anyway. */
export const TRIGGER_FUNCTION_SETTINGS = { memoryMb: 256, timeoutSeconds: 5 } as const;

/**
 * What the token trigger reads with its own role: an account's membership pointer (`USER#<sub>`: which
 * practice), nothing else. The member's role and status it reads through a practice data role of its own
 * (`…-PracticeData-preTokenGeneration`, in this stack, trusted by the trigger's role only), in a session
 * tagged with the practice the pointer names: only that practice's partition of the directory, only GetItem,
 * and only the attributes `STAFF_STANDING_ATTRIBUTES` (DynamoDB fine-grained access control), so neither a
 * bug nor a compromised trigger reads a name, an email, an invitation or a wrapped key, nor another
 * practice's items. The session costs one STS call per practice per container (cached for its 15 minutes),
 * well inside Cognito's 5-second budget.
 */
export const TOKEN_TRIGGER_PARTITIONS = ['USER#*'] as const;

/**
 * Who staff are: the Cognito user pool (email sign-in, a password and an authenticator app, threat
 * protection), its managed-login domain, and the two triggers that apply our rules. The pre-sign-up trigger
 * refuses addresses outside the allow-listed domains (R2); the pre-token-generation trigger puts the caller's
 * practice and role into every token and refuses tokens, including refreshes, to suspended or rejected
 * members (R1). The app client is the web stack's: its callback URL is the CloudFront domain.
 */
export class IdentityStack extends Stack {
  readonly userPool: UserPool;
  readonly domain: UserPoolDomain;
  readonly preSignUp: AppFunction;
  readonly preTokenGeneration: AppFunction;
  /** The token trigger's practice sessions: one member's role and status, in one practice. */
  readonly tokenClaimsDataRole: PracticeDataRole;

  constructor(scope: Construct, id: string, props: IdentityStackProps) {
    super(scope, id, props);
    const { config } = props;
    const functionSettings: StageFunctionSettings = {
      stage: config.stage,
      appVersion: config.appVersion,
      logLevel: config.logLevel,
      logRetention: config.logRetentionDays,
      logKey: new LogEncryptionKey(this, 'LogKey').key,
    };
    const invocation = {
      deadLetterQueue:
        'A Cognito user pool trigger: Cognito invokes it synchronously during sign-up or token issue and ' +
        'fails that request when it errs, so there is no asynchronous invocation to dead-letter.',
      concurrency:
        'Invoked by Cognito once per sign-up or token issue, which Cognito itself rate-limits per user pool; ' +
        'a reserved concurrency would be carved out of the account pool and throttling here would only fail ' +
        'sign-ins.',
    };
    const staffEmailDomains = config.staffEmailDomains.join(',');

    this.preSignUp = new AppFunction(this, 'PreSignUp', {
      ...functionSettings,
      ...TRIGGER_FUNCTION_SETTINGS,
      description: 'Cognito pre sign-up: only allow-listed staff email domains may sign up (R2)',
      entry: 'functions/identity/cognito-pre-sign-up.ts',
      handler: 'handler',
      environment: { STAFF_EMAIL_DOMAINS: staffEmailDomains },
      invocation,
    });

    let tokenClaimsDataRole: PracticeDataRole | undefined;
    const tokenClaimsDataRoleArn = Lazy.string({
      produce: () => (tokenClaimsDataRole as PracticeDataRole).roleArn,
    });
    this.preTokenGeneration = new AppFunction(this, 'PreTokenGeneration', {
      ...functionSettings,
      ...TRIGGER_FUNCTION_SETTINGS,
      description: 'Cognito pre token generation: practice and role claims; no tokens for suspended members',
      entry: 'functions/identity/cognito-pre-token-generation.ts',
      handler: 'handler',
      environment: {
        STAFF_EMAIL_DOMAINS: staffEmailDomains,
        TABLE_DIRECTORY: props.directoryTable.tableName,
        PRACTICE_DATA_ROLE_ARN: tokenClaimsDataRoleArn,
      },
      statements: [
        assumePracticeDataRoleStatement(tokenClaimsDataRoleArn),
        new PolicyStatement({
          sid: 'DirectoryMembershipRead',
          effect: Effect.ALLOW,
          actions: ['dynamodb:GetItem'],
          resources: [props.directoryTable.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...TOKEN_TRIGGER_PARTITIONS] },
          },
        }),
        new PolicyStatement({
          sid: 'TableKeyViaDynamoDB',
          effect: Effect.ALLOW,
          actions: ['kms:Decrypt'],
          resources: [props.tableKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
        }),
      ],
      invocation,
    });
    tokenClaimsDataRole = new PracticeDataRole(this, 'TokenClaimsPracticeData', {
      stage: config.stage,
      region: config.region,
      owner: 'preTokenGeneration',
      description: "Token claims: one member's role and status, in one practice per session",
      trustedBy: new ArnPrincipal(this.preTokenGeneration.role.roleArn),
      statements: practiceSessionStatements(
        { directory: ['dynamodb:GetItem'] },
        { directory: props.directoryTable },
        props.tableKey,
        { attributes: STAFF_STANDING_ATTRIBUTES },
      ),
    });
    this.tokenClaimsDataRole = tokenClaimsDataRole;

    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `clinic-connect-${config.stage}-staff`,
      selfSignUpEnabled: true,
      // Email is the username attribute: Cognito's username is then a generated id equal to `sub`, which is
      // the account id everywhere in the app.
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // A changed address only takes effect once verified, so nobody can swap in an unchecked one.
      keepOriginal: { email: true },
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      userVerification: {
        emailStyle: VerificationEmailStyle.CODE,
        emailSubject: 'Your ClinicConnect verification code',
        emailBody: 'Your ClinicConnect verification code is {####}. It expires in 24 hours.',
      },
      // R1: a password and an authenticator app, for everyone; no SMS or email codes, no passwordless.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      signInPolicy: { allowedFirstAuthFactors: { password: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus: threat protection, which blocks compromised credentials and risky sign-ins (below).
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPool.addTrigger(UserPoolOperation.PRE_SIGN_UP, this.preSignUp.function);
    this.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.preTokenGeneration.function,
      LambdaVersion.V2_0,
    );

    // Full-function threat protection for every app client: a password found in a breach is refused at
    // sign-up, sign-in and password change; a high-risk sign-in is blocked, others must pass MFA (which the
    // pool requires anyway). No risk notifications: they need an SES identity, which this app does not have.
    new CfnUserPoolRiskConfigurationAttachment(this, 'ThreatProtection', {
      userPoolId: this.userPool.userPoolId,
      clientId: 'ALL',
      compromisedCredentialsRiskConfiguration: {
        eventFilter: ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'],
        actions: { eventAction: 'BLOCK' },
      },
      accountTakeoverRiskConfiguration: {
        actions: {
          lowAction: { eventAction: 'MFA_REQUIRED', notify: false },
          mediumAction: { eventAction: 'MFA_REQUIRED', notify: false },
          highAction: { eventAction: 'BLOCK', notify: false },
        },
      },
    });

    // A Cognito prefix domain must be unique in the region: the stage plus the first block of this stack's
    // id (fixed for the stack's lifetime) keeps it readable and unguessable across accounts.
    const stackIdBlock = Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
    this.domain = this.userPool.addDomain('ManagedLogin', {
      cognitoDomain: { domainPrefix: `clinic-connect-${config.stage}-${stackIdBlock}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'Issuer', { value: this.issuer });
    new CfnOutput(this, 'ManagedLoginUrl', { value: this.domain.baseUrl() });
  }

  /** The `iss` of the pool's tokens, which is also where its OpenID discovery document lives. */
  get issuer(): string {
    return `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`;
  }
}
