/** Types of build.mjs (plain JavaScript so that `npm start` runs it without a compiler). */
export declare const BUNDLE_DIR: string;
export declare function serverBundleIsStale(bundleDir?: string): boolean;
export declare function buildServerBundle(bundleDir?: string): Promise<string>;
export declare function ensureServerBundle(): Promise<string>;
