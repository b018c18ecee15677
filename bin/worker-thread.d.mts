export declare const WORKER_HEAP: { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number };
export declare function heapSizedByLauncher(execArgv?: string[], nodeOptions?: string): boolean;
export declare function runInThread(entry: string): void;
