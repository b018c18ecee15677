export declare const CACHE_DIR: string;
export declare function workerBundle(options?: { entry?: string; cacheDir?: string }): Promise<string>;
export declare function buildNow(): Promise<void>;
