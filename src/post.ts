import * as core from '@actions/core';
import { describeError } from './errors.ts';
import { connectEngine } from './sandbox/engine.ts';
import { reapSession } from './sandbox/reaper.ts';
import { STATE_ENGINE, STATE_SESSION } from './state.ts';
import { ENGINES, type EngineChoice } from './config/settings.ts';

/** The post step: removes any sandbox that a crash, a kill or a cancellation left behind. */
async function post(): Promise<void> {
  const session = core.getState(STATE_SESSION);
  if (!session) return;
  const saved = core.getState(STATE_ENGINE);
  const engineChoice: EngineChoice = (ENGINES as readonly string[]).includes(saved)
    ? (saved as EngineChoice)
    : 'auto';
  const engine = await connectEngine(engineChoice);
  const removed = await reapSession(engine.docker, session);
  if (removed.length > 0)
    core.info(`Removed sandbox containers left behind: ${removed.join(', ')}`);
}

post().catch((error: unknown) => {
  // Cleanup trouble must not turn a finished job red; it is worth a warning.
  core.warning(`Could not clean up the sandbox: ${describeError(error)}`);
});
