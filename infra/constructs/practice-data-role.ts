import { Duration } from 'aws-cdk-lib';
import {
  type IPrincipal,
  ManagedPolicy,
  type PolicyStatement,
  PrincipalWithConditions,
  Role,
  SessionTagsPrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { practiceDataRoleName } from '../../layers/isolation/practice-data-roles';
import { acknowledge } from './acknowledge';
import { practiceTagConditions } from './table-access';

export { practiceDataRoleName };

export interface PracticeDataRoleProps {
  /** Named `ClinicConnect-<stage>-<region>-PracticeData-<owner>`: practice key policies allow that family. */
  stage: string;
  region: string;
  /** Whose sessions these are: a function's id (`createLookup`), `offboardPractice`, `restoreDrill`. */
  owner: string;
  description: string;
  /** Exactly who may start sessions: one function's execution role (or, for the drill, the account). */
  trustedBy: IPrincipal;
  /** What a session may do (layers: practiceSessionStatements, practiceKeyStatement). */
  statements: readonly PolicyStatement[];
}

/**
 * One owner's practice data role: the AWS SaaS tenant-isolation pattern with session tags, one role per
 * function. The function assumes it per practice (`sts:AssumeRole` with the session tag `practiceId`, cached
 * per practice per container: layers/isolation/practice-credentials.ts), and the session may touch only that
 * practice's DynamoDB partition, doing only what that function declares, and that practice's KMS key with
 * that practice's encryption context, only if the function declares it uses practice keys. Which practice a
 * session serves is decided by IAM from the tag, so a handler bug that asks for another practice's items gets
 * AccessDenied, not data; and a compromised function gets no more than its own declaration, because no other
 * function's role can assume this one and no session policy is needed to narrow it.
 *
 * Trust: exactly the given principal, and only with one session tag, `practiceId`, present and plausible.
 * No service or other account can assume it; it can assume nothing itself.
 */
export class PracticeDataRole extends Construct {
  readonly role: Role;
  readonly permissions: ManagedPolicy;

  constructor(scope: Construct, id: string, props: PracticeDataRoleProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      roleName: practiceDataRoleName(props.stage, props.region, props.owner),
      description: props.description.slice(0, 1000),
      // sts:AssumeRole and sts:TagSession, from this principal only, with the one tag.
      assumedBy: new SessionTagsPrincipal(
        new PrincipalWithConditions(props.trustedBy, practiceTagConditions()),
      ),
      // Sessions last 15 minutes (STS's minimum) by default; the adapter renews them before expiry.
      maxSessionDuration: Duration.hours(1),
    });
    this.permissions = new ManagedPolicy(this, 'Permissions', {
      description: `One practice per session (${props.owner}): its own partition, its own key and context`,
      roles: [this.role],
      statements: [...props.statements],
    });
    if (props.statements.some((statement) => statement.toJSON().Sid === 'OwnPracticeKeyOwnContext')) {
      acknowledge(
        this.permissions,
        ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]'],
        'Practice keys are created at run time, one per practice, so no ARN exists at synth. The statement is ' +
          'limited to this account and region, to keys tagged app=clinic-connect, this stage and the session’s ' +
          'own practiceId, and to the encryption context practiceId = the session’s practiceId tag.',
      );
    }
  }

  get roleArn(): string {
    return this.role.roleArn;
  }
}
