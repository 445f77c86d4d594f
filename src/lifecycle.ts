/**
 * Cleanups that must run even when the runner cancels the job: it sends SIGINT, then SIGTERM
 * 7.5 s later, then kills. Removing the sandbox takes well under that; the post step reaps by
 * label whatever a hard kill left.
 */
type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();
let installed = false;
let terminating = false;

async function runCleanups(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(pending.map((cleanup) => cleanup()));
}

function onSignal(signal: NodeJS.Signals): void {
  if (terminating) return;
  terminating = true;
  process.stderr.write(`Received ${signal}: removing the sandbox before exiting.\n`);
  const code = signal === 'SIGINT' ? 130 : 143;
  void runCleanups().finally(() => process.exit(code));
}

/** Registers a cleanup for signals; call the returned function once the resource is gone. */
export function registerCleanup(cleanup: Cleanup): () => void {
  if (!installed) {
    installed = true;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
