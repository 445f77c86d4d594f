/** Every kind of event the audit log holds; the log's readers depend on these names. */
export type AuditEventType =
  | 'run.start'
  | 'workspace.prepared'
  | 'workspace.uncommitted'
  | 'sandbox.start'
  | 'sandbox.stop'
  | 'model.call'
  | 'model.context-trimmed'
  | 'tool.call'
  | 'tool.result'
  | 'agent.end'
  | 'changes.captured'
  | 'changes.refused'
  | 'publish.push'
  | 'publish.pull-request'
  | 'run.end';

/** Where stages report what they did. Implementations redact secrets before anything is kept. */
export interface AuditRecorder {
  record(type: AuditEventType, data: Readonly<Record<string, unknown>>): void;
}
