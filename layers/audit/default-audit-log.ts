import { BaseConfig, requiredName } from '../config/base-config';
import { loadConfig } from '../config/load-config';
import { createDocumentClient } from '../storage/dynamo-client';
import * as z from '../validation/z';
import { type AuditLog, DynamoAuditLog } from './audit-log';

let instance: AuditLog | undefined;

/** The practice audit trail this function writes to, created on first use from its configuration. */
export function auditLog(): AuditLog {
  if (!instance) {
    const config = loadConfig(z.extend(BaseConfig, { TABLE_AUDIT: requiredName() }));
    instance = new DynamoAuditLog(createDocumentClient(config), config.TABLE_AUDIT);
  }
  return instance;
}
