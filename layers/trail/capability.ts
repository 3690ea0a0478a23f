/**
 * `uses: ['cloudtrail']`: the function reads the AWS-level evidence of the compliance trail: CloudTrail's log
 * files and digests in their Object Lock bucket (validated as `aws cloudtrail validate-logs` does), queried
 * with Athena, and CloudTrail's public keys. Locally, the local trail that the local key service writes in
 * CloudTrail's format. infra/capabilities/cloudtrail.ts makes the trail, its buckets, the Athena workgroup and
 * the Glue table, and gives the function read access to them.
 */
declare module '../capabilities' {
  interface Capabilities {
    cloudtrail: true;
  }
}

export {};
