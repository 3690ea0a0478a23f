import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../layers/storage/tables';
import { buildTestApp, type TestApp } from './support';

let built: TestApp;
let template: Template;

beforeAll(() => {
  built = buildTestApp({ backupRetentionDays: '42' });
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
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
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
});
