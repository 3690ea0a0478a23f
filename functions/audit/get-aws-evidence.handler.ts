import { loadConfig } from '../../layers/config/load-config';
import { DynamoKeyMaterialStore } from '../../layers/crypto/dynamo-key-material-store';
import { PRACTICE_KEY_ARN_RECORD } from '../../layers/crypto/key-material-store';
import { functionConfig, tableName } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceDocumentClient } from '../../layers/isolation/scoped-clients';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { localPracticeKeyArn } from '../../layers/trail/local-key-trail';
import { TrailConfig, trailEvidenceFrom } from '../../layers/trail/trail-config';
import { awsEvidence } from './evidence';
import { ReportRuns } from './report-runs';
import { getAwsEvidenceRoute } from './routes';

const config = loadConfig([functionConfig(getAwsEvidenceRoute), TrailConfig]);
const stores = practiceStoresFrom(config);
const trail = trailEvidenceFrom(config);
const directory = tableName(config, 'directory');
const records = tableName(config, 'records');

/** In AWS the key's ARN is kept with its wrapped data key; the local trail names local keys itself. */
async function keyArnOf(practiceId: string): Promise<string | undefined> {
  if (config.LOCAL_TRAIL_DIR) return localPracticeKeyArn(practiceId);
  return new DynamoKeyMaterialStore(practiceDocumentClient(practiceId), directory).get(
    practiceId,
    PRACTICE_KEY_ARN_RECORD,
  );
}

export const handler = httpHandler(
  getAwsEvidenceRoute,
  async ({ caller, params }) => ({
    body: await awsEvidence(
      {
        trail,
        keyArnOf,
        runs: new ReportRuns(practiceDocumentClient(caller.practiceId), records, caller.practiceId),
      },
      caller,
      params.reportId,
    ),
  }),
  { stores },
);
