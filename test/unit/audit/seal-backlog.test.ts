import { describe, expect, it } from 'vitest';
import { MemoryDigestStore } from '../../../layers/audit/seal/digest-store';
import { MemoryEventSource } from '../../../layers/audit/seal/event-source';
import { sealPractice } from '../../../layers/audit/seal/sealer';
import { DigestKeyring } from '../../../layers/audit/seal/signing';
import { verifyPractice } from '../../../layers/audit/seal/verifier';
import { at, auditEvent, MINUTE, PRACTICE, SECOND, TestSigner } from './support/sealing';

describe('sealing a backlog', () => {
  it('seals at most maxEvents per digest, each ending where the next event starts, until all are sealed', async () => {
    const events = new MemoryEventSource();
    for (let index = 0; index < 250; index++) events.put(PRACTICE, auditEvent(index, at(index * SECOND)));
    const digests = new MemoryDigestStore();
    const signer = new TestSigner();
    const now = new Date(Date.parse(at(0)) + 60 * MINUTE);
    const results = [];
    for (;;) {
      const result = await sealPractice({
        practiceId: PRACTICE,
        events,
        digests,
        signer,
        now,
        maxEvents: 100,
      });
      results.push(result);
      if (result.status !== 'sealed' || !result.more) break;
    }
    expect(
      results.map((result) =>
        result.status === 'sealed' ? [result.digest.events.length, result.more] : result.status,
      ),
    ).toEqual([
      [100, true],
      [100, true],
      [50, false],
    ]);
    const chain = digests.all(PRACTICE);
    expect(chain[0]?.digest.digestEndTime).toBe(at(100 * SECOND));
    expect(chain[1]?.digest.digestStartTime).toBe(at(100 * SECOND));
    const report = await verifyPractice({
      practiceId: PRACTICE,
      events,
      digests,
      keys: new DigestKeyring([signer.verifier()]),
    });
    expect(report).toMatchObject({
      intact: true,
      eventsSealed: 250,
      eventsChecked: 250,
      eventsNotYetSealed: 0,
    });
  });
});
