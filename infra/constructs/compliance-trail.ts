import { Aws, CfnOutput, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { type CfnTrail, ReadWriteType, Trail } from 'aws-cdk-lib/aws-cloudtrail';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectLockRetention,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogBucket } from './access-log-bucket';
import { acknowledge } from './acknowledge';

export interface ComplianceTrailProps {
  stage: string;
  /** Days each log and digest file is locked for (compliance mode). */
  lockDays: number;
  logRetentionDays: number;
  /** Data events are recorded for these tables and buckets (reads and writes of items and objects). */
  tables: readonly ITable[];
  buckets: () => readonly IBucket[];
}

/**
 * The CloudTrail columns as Athena reads them (the AWS documentation's table for CloudTrail logs, with
 * partition projection), lower-cased as Glue keeps them.
 */
const CLOUDTRAIL_COLUMNS: [string, string][] = [
  ['eventversion', 'string'],
  [
    'useridentity',
    'struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,' +
      'username:string,onbehalfof:struct<userid:string,identitystorearn:string>,sessioncontext:struct<' +
      'attributes:struct<mfaauthenticated:string,creationdate:string>,sessionissuer:struct<type:string,' +
      'principalid:string,arn:string,accountid:string,username:string>,sourceidentity:string,' +
      'ec2roledelivery:string,webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>>>',
  ],
  ['eventtime', 'string'],
  ['eventsource', 'string'],
  ['eventname', 'string'],
  ['awsregion', 'string'],
  ['sourceipaddress', 'string'],
  ['useragent', 'string'],
  ['errorcode', 'string'],
  ['errormessage', 'string'],
  ['requestparameters', 'string'],
  ['responseelements', 'string'],
  ['additionaleventdata', 'string'],
  ['requestid', 'string'],
  ['eventid', 'string'],
  ['readonly', 'string'],
  ['resources', 'array<struct<arn:string,accountid:string,type:string>>'],
  ['eventtype', 'string'],
  ['apiversion', 'string'],
  ['recipientaccountid', 'string'],
  ['serviceeventdetails', 'string'],
  ['sharedeventid', 'string'],
  ['vpcendpointid', 'string'],
  ['vpcendpointaccountid', 'string'],
  ['eventcategory', 'string'],
  ['addendum', 'struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>'],
  ['sessioncredentialfromconsole', 'string'],
  ['edgedevicedetails', 'string'],
  ['tlsdetails', 'struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>'],
];

/**
 * The stage's compliance trail, the AWS-level evidence an inspector can check without trusting the app:
 *
 * - a CloudTrail trail in the stage's region (KMS calls are regional management events, so every use of a
 *   practice key in the stage is in it), with log file validation (hourly digests signed by CloudTrail),
 *   encrypted under its own KMS key, and DynamoDB and S3 data events for the app's tables and buckets (which
 *   record item keys: no NHS number or phone number is ever in a key);
 * - its bucket under S3 Object Lock in COMPLIANCE mode for `lockDays`: no one, the account root included, can
 *   delete or overwrite a log or digest file before then;
 * - an Athena workgroup (results encrypted under their own key, in a bucket that forgets them after a week,
 *   a cap on the data one query scans) and a Glue table over the log files with partition projection by day,
 *   so a month's evidence reads a month's files and needs no crawler.
 */
export class ComplianceTrail extends Construct {
  readonly trail: Trail;
  readonly trailName: string;
  readonly trailArn: string;
  readonly bucket: Bucket;
  readonly key: Key;
  readonly resultsBucket: Bucket;
  readonly resultsKey: Key;
  readonly workGroup: CfnWorkGroup;
  readonly database: string;
  readonly table: string;

  constructor(scope: Construct, id: string, props: ComplianceTrailProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.trailName = `clinic-connect-${props.stage}`;
    this.trailArn = `arn:${Aws.PARTITION}:cloudtrail:${Aws.REGION}:${Aws.ACCOUNT_ID}:trail/${this.trailName}`;
    const logs = new AccessLogBucket(this, 'AccessLogs', { retentionDays: props.logRetentionDays });

    this.key = new Key(this, 'Key', {
      description: `ClinicConnect ${props.stage}: encrypts the compliance trail`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudTrail encrypts each file for this trail only (its ARN is the encryption context).
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudTrailEncryptsThisTrail',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceArn': this.trailArn },
          StringLike: {
            'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${Aws.PARTITION}:cloudtrail:*:${Aws.ACCOUNT_ID}:trail/*`,
          },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudTrailDescribesTheKey',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceArn': this.trailArn } },
      }),
    );

    this.bucket = new Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(props.lockDays)),
      versioned: true,
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: logs.bucket,
      serverAccessLogsPrefix: 'compliance-trail/',
      lifecycleRules: [
        {
          noncurrentVersionExpiration: Duration.days(props.lockDays + 1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    acknowledge(
      this.bucket,
      ['HIPAA.Security-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled'],
      'The trail’s files are locked (Object Lock, compliance mode) for the retention period, and S3 keeps them ' +
        'across three availability zones; CloudTrail’s own copy of management events stays in the region for ' +
        '90 days. Replicating out of the stage’s region would move records of who used patients’ keys out of ' +
        'the chosen EU region.',
    );

    this.trail = new Trail(this, 'Trail', {
      trailName: this.trailName,
      bucket: this.bucket,
      encryptionKey: this.key,
      enableFileValidation: true,
      isMultiRegionTrail: false,
      includeGlobalServiceEvents: false,
      managementEvents: ReadWriteType.ALL,
      sendToCloudWatchLogs: false,
    });
    const cfnTrail = this.trail.node.defaultChild as CfnTrail;
    cfnTrail.addPropertyDeletionOverride('EventSelectors');
    cfnTrail.advancedEventSelectors = [
      {
        name: 'Management events (every KMS call on the practice keys and the audit key)',
        fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }],
      },
      {
        name: 'DynamoDB data events on the app tables',
        fieldSelectors: [
          { field: 'eventCategory', equalTo: ['Data'] },
          { field: 'resources.type', equalTo: ['AWS::DynamoDB::Table'] },
          { field: 'resources.ARN', equalTo: props.tables.map((table) => table.tableArn) },
        ],
      },
      {
        name: 'S3 data events on the export and evidence buckets',
        fieldSelectors: [
          { field: 'eventCategory', equalTo: ['Data'] },
          { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
          {
            field: 'resources.ARN',
            startsWith: Lazy.list({ produce: () => props.buckets().map((bucket) => `${bucket.bucketArn}/`) }),
          },
        ],
      },
    ];
    acknowledge(
      this.trail,
      ['HIPAA.Security-CloudTrailCloudWatchLogsEnabled', 'NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled'],
      'The trail is evidence, queried with Athena over its locked files; copying every event (data events of ' +
        'every table read included) into CloudWatch Logs too would keep a second, unlocked copy of records of ' +
        'key and item use, at a cost, that nothing reads. Operator alarms come from the functions’ own metrics.',
    );

    // Athena: results under their own key, forgotten after a week.
    this.resultsKey = new Key(this, 'ResultsKey', {
      description: `ClinicConnect ${props.stage}: encrypts Athena results of the compliance trail`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.resultsBucket = new Bucket(this, 'Results', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.resultsKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: logs.bucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        {
          expiration: Duration.days(7),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    acknowledge(
      this.resultsBucket,
      ['HIPAA.Security-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled'],
      'Query results are scratch copies, deleted after seven days and made again from the trail on demand: ' +
        'replicating them would only add copies.',
    );
    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: `clinic-connect-${props.stage}-evidence`,
      description: 'Queries of the compliance trail for audit reports',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        // A month of a busy stage's trail is well under this; a runaway query stops here.
        bytesScannedCutoffPerQuery: 20 * 1024 ** 3,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.resultsKey.keyArn },
        },
      },
    });

    this.database = `clinic_connect_${props.stage.replace(/-/g, '_')}_evidence`;
    this.table = 'cloudtrail';
    const database = new CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.database, description: 'The compliance trail, for Athena' },
    });
    const location = `s3://${this.bucket.bucketName}/AWSLogs/${Aws.ACCOUNT_ID}/CloudTrail/${Aws.REGION}`;
    const table = new CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.database,
      tableInput: {
        name: this.table,
        tableType: 'EXTERNAL_TABLE',
        description: 'CloudTrail log files of the compliance trail (partition projection by day)',
        partitionKeys: [{ name: 'timestamp', type: 'string' }],
        parameters: {
          classification: 'cloudtrail',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          'projection.timestamp.type': 'date',
          'projection.timestamp.format': 'yyyy/MM/dd',
          'projection.timestamp.interval': '1',
          'projection.timestamp.interval.unit': 'DAYS',
          'projection.timestamp.range': '2026/01/01,NOW',
          'storage.location.template': `${location}/\${timestamp}`,
        },
        storageDescriptor: {
          location,
          inputFormat: 'com.amazon.emr.cloudtrail.CloudTrailInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
          columns: CLOUDTRAIL_COLUMNS.map(([name, type]) => ({ name, type })),
        },
      },
    });
    table.addDependency(database);

    new CfnOutput(stack, 'ComplianceTrailArn', { value: this.trail.trailArn });
    new CfnOutput(stack, 'ComplianceTrailBucket', {
      value: this.bucket.bucketName,
      description: `aws cloudtrail validate-logs --trail-arn <ComplianceTrailArn> --start-time <time> (files under AWSLogs/)`,
    });
    new CfnOutput(stack, 'EvidenceWorkGroup', { value: this.workGroup.ref });
  }

  /** What a reader of the evidence may do: query, read the files, decrypt them, and nothing else. */
  readerStatements(): PolicyStatement[] {
    const stack = Stack.of(this);
    const glue = (resource: string) =>
      stack.formatArn({ service: 'glue', resource, resourceName: undefined });
    return [
      new PolicyStatement({
        sid: 'QueryTheTrail',
        effect: Effect.ALLOW,
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'],
        resources: [
          stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroup.ref }),
        ],
      }),
      new PolicyStatement({
        sid: 'TrailTableDefinition',
        effect: Effect.ALLOW,
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
        resources: [
          glue('catalog'),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.database }),
          stack.formatArn({
            service: 'glue',
            resource: 'table',
            resourceName: `${this.database}/${this.table}`,
          }),
        ],
      }),
      new PolicyStatement({
        sid: 'ReadTrailFiles',
        effect: Effect.ALLOW,
        actions: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation'],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('AWSLogs/*')],
      }),
      new PolicyStatement({
        sid: 'WriteQueryResults',
        effect: Effect.ALLOW,
        actions: [
          's3:GetObject',
          's3:PutObject',
          's3:ListBucket',
          's3:GetBucketLocation',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        resources: [this.resultsBucket.bucketArn, this.resultsBucket.arnForObjects('results/*')],
      }),
      new PolicyStatement({
        sid: 'DecryptTrailAndResults',
        effect: Effect.ALLOW,
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn, this.resultsKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
      }),
      new PolicyStatement({
        sid: 'TrailPublicKeys',
        effect: Effect.ALLOW,
        // ListPublicKeys takes no resource: CloudTrail's regional signing keys are not per trail.
        actions: ['cloudtrail:ListPublicKeys'],
        resources: ['*'],
      }),
    ];
  }
}
