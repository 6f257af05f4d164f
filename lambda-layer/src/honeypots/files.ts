// The decoy files the layer ships, next to the enforcer (on Lambda, /opt is
// the layer's root): a shared credentials file and a dotenv file, at paths
// where such files are looked for. build.mjs writes them from this list. No
// legitimate code reads them, so a read is a breach signal; their values are
// decoys too (found in outbound bytes like the environment's).

import { DECOY_FILE_PATHS } from './paths';

export interface DecoyFile {
  /** Relative to the layer's root (/opt on Lambda). */
  readonly path: string;
  readonly content: string;
  /** The decoy values in it, by a name for events. */
  readonly values: Readonly<Record<string, string>>;
}

const KEY_ID = 'AKIAW3NXQ7RZEK4PDG6M';
const SECRET = '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';
const DB_PASSWORD = 'Tr8vKq2LmZ4xWp9nHs3cYb6d';
const STRIPE = 'sk_live_51Nq7RmGe4xKt2WbYpLz8VsD3hFc9JaUo';

export const DECOY_FILES: readonly DecoyFile[] = [
  {
    path: DECOY_FILE_PATHS[0],
    content: `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\nregion = us-east-1\n`,
    values: { 'file:.aws/credentials:aws_access_key_id': KEY_ID, 'file:.aws/credentials:aws_secret_access_key': SECRET },
  },
  {
    path: DECOY_FILE_PATHS[1],
    content: `# reporting replica (read-only)\nREPORTING_DB_HOST=reporting-replica.internal\nREPORTING_DB_USER=report_ro\nREPORTING_DB_PASSWORD=${DB_PASSWORD}\nSTRIPE_SECRET_KEY=${STRIPE}\n`,
    values: { 'file:config/.env:REPORTING_DB_PASSWORD': DB_PASSWORD, 'file:config/.env:STRIPE_SECRET_KEY': STRIPE },
  },
];
