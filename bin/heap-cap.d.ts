// Types of heap-cap.js, which stays plain JavaScript: it runs before the type-stripping cache loads.
export declare const DEFAULT_MAX_HEAP_MB: number;
export declare const SCORE_MAX_HEAP_MB: number;
export declare function heapCapMb(
  command: string | undefined,
  env?: NodeJS.ProcessEnv,
  execArgv?: readonly string[],
  value?: string | undefined,
): number | undefined;
export declare function capHeap(command: string | undefined, argv?: readonly string[]): void;
