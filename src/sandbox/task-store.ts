import type { FailedState, Scenario } from './scenario';

export type TaskState = 'PENDING' | 'SUCCESS' | FailedState;

export interface ServedFile {
  path: string;
  bytes: number;
  sha256: string;
  createdAt: Date;
}

export interface SandboxTask {
  wavTaskId: string;
  sourceTaskId?: string | undefined;
  audioId?: string | undefined;
  callBackUrl: string;
  state: TaskState;
  scenario: Scenario;
  createTime: Date;
  completeTime?: Date;
  errorCode?: number;
  errorMessage?: string;
  file?: ServedFile;
  /** What the file becomes after its first request (scenario `replaceFileAfterCut`). */
  replacement?: ServedFile;
  /** Requests for the file, whole or ranged, expired URLs included. */
  fileRequests: number;
  /** File requests whose answer is still being sent (or held open: a stall): 0 once every connection ended. */
  fileRequestsOpen: number;
  /** Body bytes sent for the file, over all requests, counted as each chunk is handed to the connection. */
  bytesServed: number;
  /** File requests that got past the expired-URL check: the ones `fileErrors` and `stallBeforeHeaders` count. */
  fileFaults: number;
  /** File requests that reached the file (expired URLs, error statuses and stalls before headers excluded). */
  fileAttempts: number;
  /** File URLs handed out so far; each carries its number, so early ones can be made to expire. */
  urlsIssued: number;
  /** record-info answers given since completion. */
  pollsAnswered: number;
}

/** The sandbox's memory of every task it created: what the 409 rule and the test assertions read. */
export class TaskStore {
  private readonly byId = new Map<string, SandboxTask>();
  private readonly bySource = new Map<string, string>();

  add(task: SandboxTask): void {
    this.byId.set(task.wavTaskId, task);
    this.bySource.set(sourceKey(task.sourceTaskId, task.audioId), task.wavTaskId);
  }

  get(wavTaskId: string): SandboxTask | undefined {
    return this.byId.get(wavTaskId);
  }

  /** The earlier WAV task for the same source track, if any (the provider answers 409 with it). */
  existing(sourceTaskId: string | undefined, audioId: string | undefined): SandboxTask | undefined {
    const id = this.bySource.get(sourceKey(sourceTaskId, audioId));
    return id === undefined ? undefined : this.byId.get(id);
  }

  all(): SandboxTask[] {
    return [...this.byId.values()];
  }
}

const sourceKey = (taskId: string | undefined, audioId: string | undefined) => `${taskId ?? ''}\u0000${audioId ?? ''}`;
