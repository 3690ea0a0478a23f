/** Every item of a practice in the records table sits in its partition (IAM's LeadingKeys condition needs it). */
export function practicePartition(practiceId: string): string {
  return `PRACTICE#${practiceId}`;
}
