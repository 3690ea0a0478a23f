import { describe, expect, it } from 'vitest';
import { kmsRecord } from '../../../layers/trail/kms-record';
import { ACCOUNT, DATA_ROLE, KEY_A, REGION } from './support/trail';

describe('kmsRecord', () => {
  const eventTime = new Date('2026-03-02T09:10:31.456Z');

  it('writes a Decrypt by an assumed role as CloudTrail does (eventVersion 1.11)', () => {
    const record = kmsRecord({
      eventName: 'Decrypt',
      keyArn: KEY_A,
      caller: {
        roleArn: DATA_ROLE,
        sessionName: 'clinic-connect-prod-lookup',
        roleId: 'AROAEXAMPLEROLEID123',
        accessKeyId: 'ASIAEXAMPLEKEYID1234',
        sessionCreatedAt: new Date('2026-03-02T09:00:02Z'),
      },
      eventTime,
      encryptionContext: { practiceId: 'practice-a', table: 'records' },
      eventId: 'abcde202-ba1a-467c-b4ba-f729d45ae521',
      requestId: '12345126-30d5-4b28-98b9-9153da559963',
    });
    expect(record).toEqual({
      eventVersion: '1.11',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEROLEID123:clinic-connect-prod-lookup',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/clinic-connect-prod-practice-data/clinic-connect-prod-lookup`,
        accountId: ACCOUNT,
        accessKeyId: 'ASIAEXAMPLEKEYID1234',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLEROLEID123',
            arn: DATA_ROLE,
            accountId: ACCOUNT,
            userName: 'clinic-connect-prod-practice-data',
          },
          webIdFederationData: {},
          attributes: { creationDate: '2026-03-02T09:00:02Z', mfaAuthenticated: 'false' },
        },
      },
      eventTime: '2026-03-02T09:10:31Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'Decrypt',
      awsRegion: REGION,
      sourceIPAddress: '192.0.2.0',
      userAgent: expect.any(String),
      requestParameters: {
        encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        keyId: KEY_A,
        encryptionContext: { practiceId: 'practice-a', table: 'records' },
      },
      responseElements: null,
      additionalEventData: { keyMaterialId: expect.stringMatching(/^[0-9a-f]{64}$/) },
      requestID: '12345126-30d5-4b28-98b9-9153da559963',
      eventID: 'abcde202-ba1a-467c-b4ba-f729d45ae521',
      readOnly: true,
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: KEY_A }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: `kms.${REGION}.amazonaws.com`,
      },
    });
  });

  it('names the role without its path in the session ARN, and derives stable ids', () => {
    const caller = {
      roleArn: `arn:aws:iam::${ACCOUNT}:role/service/clinic-connect-sealer`,
      sessionName: 'sealer',
    };
    const a = kmsRecord({ eventName: 'Sign', keyArn: KEY_A, caller, eventTime });
    const b = kmsRecord({ eventName: 'Sign', keyArn: KEY_A, caller, eventTime });
    expect(a.userIdentity.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/clinic-connect-sealer/sealer`);
    expect(a.userIdentity.sessionContext?.sessionIssuer?.arn).toBe(caller.roleArn);
    expect(a.userIdentity.principalId).toMatch(/^AROA[A-Z2-7]{17}:sealer$/);
    expect(a.userIdentity.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(a.userIdentity.principalId).toBe(b.userIdentity.principalId);
    expect(a.eventID).not.toBe(b.eventID);
  });

  it('gives each operation the parameters KMS logs for it', () => {
    const caller = { roleArn: DATA_ROLE, sessionName: 'x' };
    expect(kmsRecord({ eventName: 'Sign', keyArn: KEY_A, caller, eventTime }).requestParameters).toEqual({
      messageType: 'DIGEST',
      keyId: KEY_A,
      signingAlgorithm: 'ECDSA_SHA_256',
    });
    const generate = kmsRecord({
      eventName: 'GenerateDataKey',
      keyArn: KEY_A,
      caller,
      eventTime,
      encryptionContext: { practiceId: 'p' },
      requestParameters: { keySpec: undefined, numberOfBytes: 32 },
    });
    expect(generate.requestParameters).toEqual({
      keyId: KEY_A,
      keySpec: undefined,
      numberOfBytes: 32,
      encryptionContext: { practiceId: 'p' },
    });
    const deletion = kmsRecord({ eventName: 'ScheduleKeyDeletion', keyArn: KEY_A, caller, eventTime });
    expect(deletion).toMatchObject({ readOnly: false, requestParameters: { keyId: KEY_A } });
    expect(deletion.additionalEventData).toBeUndefined();
  });

  it('records a refused call with its error', () => {
    const record = kmsRecord({
      eventName: 'Decrypt',
      keyArn: KEY_A,
      caller: { roleArn: `arn:aws:iam::${ACCOUNT}:role/intruder`, sessionName: 'x' },
      eventTime,
      errorCode: 'AccessDenied',
      errorMessage: 'User is not authorized to perform: kms:Decrypt',
    });
    expect(record).toMatchObject({
      errorCode: 'AccessDenied',
      errorMessage: expect.stringContaining('kms:Decrypt'),
    });
    expect(record.additionalEventData).toBeUndefined();
  });

  it('refuses a key or role that is not an ARN', () => {
    const caller = { roleArn: DATA_ROLE, sessionName: 'x' };
    expect(() => kmsRecord({ eventName: 'Decrypt', keyArn: 'alias/x', caller, eventTime })).toThrow(
      /KMS key ARN/,
    );
    expect(() =>
      kmsRecord({
        eventName: 'Decrypt',
        keyArn: KEY_A,
        caller: { roleArn: 'role/x', sessionName: 'x' },
        eventTime,
      }),
    ).toThrow(/role ARN/);
  });
});
