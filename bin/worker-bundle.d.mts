export declare const CACHE_DIR: string;
export declare function workerBundle(options?: { entry?: string; cacheDir?: string }): Promise<string>;
