// Splits the runtime process's output into lines, per invocation, and picks
// out the enforcer's events (docs/wire-format.md): JSON lines with
// "source":"nano-enforcer", written raw or inside a runtime client log line.

export interface EnforcerEvent {
  readonly source: 'nano-enforcer';
  readonly version: number;
  readonly control: string;
  readonly action: string;
  readonly reason: string;
  readonly requestId?: string;
  readonly detail: Record<string, unknown>;
}

const MARK = '{"source":"nano-enforcer"';

export class LogSink {
  private logs: string[] = [];
  private events: EnforcerEvent[] = [];
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  write(chunk: string, stream: 'stdout' | 'stderr'): void {
    const text = this.partial[stream] + chunk;
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** What was collected since begin(); complete lines only, plus any unterminated tail. */
  end(): { logs: string[]; events: EnforcerEvent[] } {
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s]) this.line(this.partial[s]);
      this.partial[s] = '';
    }
    const out = { logs: this.logs, events: this.events };
    this.logs = [];
    this.events = [];
    return out;
  }

  private line(line: string): void {
    const at = line.indexOf(MARK);
    if (at >= 0) {
      try {
        this.events.push(JSON.parse(line.slice(at)));
        return;
      } catch {
        // not a whole event: keep it as a log line
      }
    }
    this.logs.push(line);
  }
}
