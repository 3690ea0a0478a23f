import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import {
  ArnPrincipal,
  CompositePrincipal,
  type IRole,
  ManagedPolicy,
  PrincipalWithConditions,
  Role,
  SessionTagsPrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { TableId } from '../../layers/storage/tables';
import { acknowledge } from './acknowledge';
import {
  type PracticeKeyTags,
  type PracticeTableAccess,
  practiceDataRoleStatements,
  practiceTagConditions,
} from './table-access';

export interface PracticeDataRoleProps {
  /** Named `ClinicConnect-<stage>-<region>-PracticeData`: practice key policies name it. */
  stage: string;
  region: string;
  /** Exactly the roles that may start practice sessions: the functions of routes that touch practice data. */
  assumedBy: readonly IRole[];
  /** What those routes do to practice partitions, table by table (their union). */
  access: PracticeTableAccess;
  tables: { readonly [K in TableId]: ITable };
  tableKey: IKey;
  keyTags: PracticeKeyTags;
}

/** The role's name, fixed so that practice key policies (created at run time) can name it and keep naming it. */
export function practiceDataRoleName(stage: string, region: string): string {
  return `ClinicConnect-${stage}-${region}-PracticeData`;
}

/**
 * The AWS SaaS tenant-isolation pattern with session tags: the only way to practice data. A route function
 * assumes this role per practice (`sts:AssumeRole` with the session tag `practiceId`, cached per practice per
 * container: layers/isolation/practice-credentials.ts), and the session may touch only that practice's
 * DynamoDB partition and that practice's KMS key with that practice's encryption context. Which practice a
 * session serves is decided by IAM from the tag, so a handler bug that asks for another practice's items gets
 * AccessDenied, not data.
 *
 * Trust: exactly the given function roles, and only with one session tag, `practiceId`, present and
 * plausible. No other principal, service or account can assume it; it can assume nothing itself.
 */
export class PracticeDataRole extends Construct {
  readonly role: Role;
  readonly permissions: ManagedPolicy;

  constructor(scope: Construct, id: string, props: PracticeDataRoleProps) {
    super(scope, id);
    if (props.assumedBy.length === 0) {
      throw new Error('PracticeDataRole needs at least one function role to trust.');
    }
    const functionRoles = new CompositePrincipal(
      ...props.assumedBy.map((role) => new ArnPrincipal(role.roleArn)),
    );
    this.role = new Role(this, 'Role', {
      roleName: practiceDataRoleName(props.stage, props.region),
      description:
        'Practice data, one practice per session: assumed by route functions with the session tag practiceId',
      // sts:AssumeRole and sts:TagSession, from these roles, with the one tag.
      assumedBy: new SessionTagsPrincipal(
        new PrincipalWithConditions(functionRoles, practiceTagConditions()),
      ),
      // Sessions last 15 minutes (STS's minimum) by default; the adapter renews them before expiry.
      maxSessionDuration: Duration.hours(1),
    });
    this.permissions = new ManagedPolicy(this, 'Permissions', {
      description: 'One practice per session: its DynamoDB partition and its KMS key with its context',
      roles: [this.role],
      statements: practiceDataRoleStatements(props.access, props.tables, props.tableKey, props.keyTags),
    });
    acknowledge(
      this.permissions,
      ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]'],
      'Practice keys are created at run time, one per practice, so no ARN exists at synth. The statement is ' +
        'limited to this account and region, to keys tagged app=clinic-connect, this stage and the session’s ' +
        'own practiceId, and to the encryption context practiceId = the session’s practiceId tag.',
    );
  }

  get roleArn(): string {
    return this.role.roleArn;
  }
}
