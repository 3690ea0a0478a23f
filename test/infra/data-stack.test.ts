import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../layers/storage/tables';
import { buildTestApp, type TestApp } from './support';

let built: TestApp;
let template: Template;

beforeAll(() => {
  built = buildTestApp({ backupRetentionDays: '42', backupLockDays: '40', backupLockCoolOffDays: '5' });
  template = Template.fromStack(built.data);
});

function tableResources() {
  return Object.values(template.findResources('AWS::DynamoDB::Table'));
}

describe('data stack', () => {
  it('is deployed to the configured EU region', () => {
    expect(built.data.region).toBe('eu-west-2');
    expect(built.data.stackName).toBe('ClinicConnect-dev-Data');
  });

  it('creates exactly the tables of TABLES, with their key schema', () => {
    expect(tableResources()).toHaveLength(TABLES.length);
    for (const definition of TABLES) {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: definition.partitionKey, KeyType: 'HASH' },
          { AttributeName: definition.sortKey, KeyType: 'RANGE' },
        ],
        ...(definition.indexes.length > 0
          ? {
              GlobalSecondaryIndexes: definition.indexes.map((index) =>
                Match.objectLike({
                  IndexName: index.name,
                  KeySchema: [
                    { AttributeName: index.partitionKey, KeyType: 'HASH' },
                    { AttributeName: index.sortKey, KeyType: 'RANGE' },
                  ],
                  Projection: { ProjectionType: 'ALL' },
                }),
              ),
            }
          : { GlobalSecondaryIndexes: Match.absent() }),
        ...('timeToLiveAttribute' in definition
          ? { TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true } }
          : { TimeToLiveSpecification: Match.absent() }),
      });
    }
  });

  it('encrypts every table with the customer-managed key, which rotates', () => {
    const keyId = built.data.getLogicalId(built.data.tableKey.node.defaultChild as never);
    expect(keyId).toBeDefined();
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const table of tableResources()) {
      expect(table.Properties.SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    }
  });

  it('keeps every table: on demand, PITR, deletion protection, retained on delete and replace', () => {
    for (const table of tableResources()) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    }
    for (const key of Object.values(template.findResources('AWS::KMS::Key'))) {
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });

  it('backs every table up daily, kept for the configured number of days', () => {
    template.resourceCountIs('AWS::Backup::BackupPlan', 1);
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({
            ScheduleExpression: 'cron(0 2 * * ? *)',
            Lifecycle: { DeleteAfterDays: 42 },
          }),
        ],
      },
    });
    const selection = Object.values(template.findResources('AWS::Backup::BackupSelection'))[0];
    const selected = JSON.stringify(selection?.Properties.BackupSelection.Resources);
    for (const logicalId of Object.keys(template.findResources('AWS::DynamoDB::Table'))) {
      expect(selected).toContain(logicalId);
    }
    for (const vault of Object.values(template.findResources('AWS::Backup::BackupVault'))) {
      expect(vault.DeletionPolicy).toBe('Retain');
    }
  });

  it('keeps the backups in a vault under a key of its own, never the tables’ key', () => {
    const tableKeyId = built.data.getLogicalId(built.data.tableKey.node.defaultChild as never);
    const vaultKeyId = built.data.getLogicalId(built.data.backup.vault.key.node.defaultChild as never);
    expect(vaultKeyId).not.toBe(tableKeyId);
    template.resourceCountIs('AWS::Backup::BackupVault', 1);
    template.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: 'clinic-connect-dev-tables',
      EncryptionKeyArn: { 'Fn::GetAtt': [vaultKeyId, 'Arn'] },
    });
    const vaultKey = template.toJSON().Resources[vaultKeyId];
    expect(vaultKey.Properties.EnableKeyRotation).toBe(true);
    expect(vaultKey.DeletionPolicy).toBe('Retain');
  });

  it('locks the vault in compliance mode: backupLockDays minimum, immutable after the cool-off', () => {
    template.hasResourceProperties('AWS::Backup::BackupVault', {
      // ChangeableForDays is what makes it compliance mode (without it, governance mode).
      LockConfiguration: { MinRetentionDays: 40, ChangeableForDays: 5 },
    });
    const [vault] = Object.values(template.findResources('AWS::Backup::BackupVault'));
    expect(vault?.Properties.LockConfiguration).not.toHaveProperty('MaxRetentionDays');
    // And from the first deploy, before the lock takes hold: nobody may delete or shorten a recovery point.
    expect(vault?.Properties.AccessPolicy.Statement).toEqual([
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['backup:DeleteRecoveryPoint', 'backup:UpdateRecoveryPointLifecycle'],
        Resource: '*',
      },
    ]);
  });

  it('copies each daily recovery point to the locked vault in the second EU region, kept as long', () => {
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({
            CopyActions: [
              {
                DestinationBackupVaultArn: {
                  'Fn::Join': [
                    '',
                    [
                      'arn:aws:backup:eu-west-1:',
                      { Ref: 'AWS::AccountId' },
                      ':backup-vault:clinic-connect-dev-tables-copy',
                    ],
                  ],
                },
                Lifecycle: { DeleteAfterDays: 42 },
              },
            ],
          }),
        ],
      },
    });
    const copy = Template.fromStack(built.backupCopy);
    expect(built.backupCopy.region).toBe('eu-west-1');
    expect(built.backupCopy.stackName).toBe('ClinicConnect-dev-BackupCopy');
    copy.resourceCountIs('AWS::Backup::BackupVault', 1);
    const [copyKeyId] = Object.keys(copy.findResources('AWS::KMS::Key'));
    copy.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: 'clinic-connect-dev-tables-copy',
      EncryptionKeyArn: { 'Fn::GetAtt': [copyKeyId, 'Arn'] },
      LockConfiguration: { MinRetentionDays: 40, ChangeableForDays: 5 },
      AccessPolicy: Match.objectLike({
        Statement: [
          Match.objectLike({ Effect: 'Deny', Action: Match.arrayWith(['backup:DeleteRecoveryPoint']) }),
        ],
      }),
    });
    copy.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    // The vault exists before the plan that copies into it.
    expect(built.data.dependencies).toContain(built.backupCopy);
  });

  it('names what a restore needs in its outputs, and has a role that only AWS Backup can use to restore', () => {
    const named = Object.keys(template.findOutputs('*')).filter((id) => !id.startsWith('ExportsOutput'));
    expect(named.sort()).toEqual(
      [
        'BackupRestoreRoleArn',
        'BackupVaultName',
        'RestoreDrillRoleArn',
        'TableKeyArn',
        ...TABLES.map((definition) => `${definition.id}TableName`),
      ].sort(),
    );
    const roleId = built.data.getLogicalId(built.data.backup.restoreRole.node.defaultChild as never);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'backup.amazonaws.com' } }),
        ],
      },
      ManagedPolicyArns: Match.arrayWith([
        Match.objectLike({
          'Fn::Join': [
            '',
            Match.arrayWith([':iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores']),
          ],
        }),
      ]),
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:CreateGrant',
            Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
          }),
        ]),
      }),
    });
  });
});
