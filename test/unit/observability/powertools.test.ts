import { describe, expect, it } from 'vitest';
import { tracer } from '../../../layers/observability/powertools';

describe('the tracer', () => {
  it('does not copy error messages into traces (they can quote patient data)', () => {
    expect((tracer as unknown as { captureError: boolean }).captureError).toBe(false);
  });
});
