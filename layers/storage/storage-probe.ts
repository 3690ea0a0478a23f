/** Answers whether storage is reachable; used by the health check. */
export interface StorageProbe {
  ping(): Promise<void>;
}
