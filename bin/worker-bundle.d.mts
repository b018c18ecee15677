export declare const CACHE_DIR: string;
export declare function workerBundle(options?: {
  entry?: string;
  cacheDir?: string;
  log?: boolean;
}): Promise<string>;
export declare function buildNow(): Promise<void>;
