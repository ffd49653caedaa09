/** One server of the local stack. */
export interface Service {
  readonly name: string;
  /** Where clients reach it, for status output. */
  readonly endpoint: string;
  readonly startTimeoutMs: number;
  /** Installs or downloads what the service needs; cached between runs. */
  prepare(): Promise<void>;
  /** Launches the server in the background; `healthy` tells when it is ready. */
  start(): Promise<void>;
  healthy(): Promise<boolean>;
  /** Resolves true when there was a process to stop. */
  stop(): Promise<boolean>;
}
