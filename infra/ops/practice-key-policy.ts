import { parseArgs } from 'node:util';
import { practiceKeyPolicy } from '../../layers/crypto/kms-practice-keys';
import { practiceDataRolePattern } from '../../layers/isolation/practice-data-roles';

/**
 * `npm run practice:key-policy`: prints the key policy a practice key of a stage carries (the one onboarding
 * writes), for putting on a key made before the per-function practice data roles:
 *
 *   aws kms put-key-policy --key-id alias/clinic-connect/<stage>/practice/<id> --policy-name default \
 *     --policy "$(npm run -s practice:key-policy -- --stage <stage> --region <region> --account <id> --practice <id>)"
 */
function main(): number {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      account: { type: 'string' },
      practice: { type: 'string' },
      partition: { type: 'string', default: 'aws' },
    },
  });
  const { stage, region, account, practice, partition = 'aws' } = values;
  if (!stage || !region || !account || !practice) {
    console.error(
      'Usage: npm run practice:key-policy -- --stage <stage> --region <region> --account <12 digits> --practice <id>',
    );
    return 2;
  }
  const policy = practiceKeyPolicy({
    practiceId: practice,
    accountId: account,
    partition,
    dataRolePattern: practiceDataRolePattern({ partition, accountId: account, stage, region }),
  });
  console.log(JSON.stringify(policy, null, 2));
  return 0;
}

process.exit(main());
