import type { z } from 'zod';
import { fileSchema } from './schema.js';
import { knownKeys, schemaAt } from './schema-walk.js';
import type { Path } from './tree.js';

/** One thing wrong with the configuration, at a key path in config.yml's spelling. */
export interface ConfigIssue {
  path: Path;
  message: string;
}

/** Thrown inside the config module; load.ts turns it into a located bad-input error. */
export class ConfigIssues extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'));
    this.name = 'ConfigIssues';
  }
}

/** Roger 1.x settings that look valid but would silently change behaviour if ignored. */
const RETIRED: Record<string, string> = {
  'app.auth.provider': 'passport auth providers are not supported; use app.auth: { tokens: [...] }',
};

export function fromZod(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schemaAt(fileSchema, issue.path), false) ?? [];
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        const hint = RETIRED[path.join('.')] ?? (known.length > 0 ? `expected one of: ${known.join(', ')}` : '');
        return { path, message: `unknown key "${key}"${hint ? ` (${hint})` : ''}` };
      });
    }
    if (issue.code === 'invalid_type') {
      if (issue.received === 'undefined') return [{ path: issue.path, message: 'required' }];
      const quote = issue.expected === 'string' && (issue.received === 'number' || issue.received === 'boolean');
      const message = `expected ${issue.expected}, got ${issue.received}`;
      const hint = quote ? '; quote the value so YAML keeps it as written' : '';
      return [{ path: issue.path, message: `${message}${hint}` }];
    }
    return [{ path: issue.path, message: issue.message }];
  });
}

/** `config.yml:3:5 app.port: expected number, got string`, one line per issue in file order. */
export function formatIssues(issues: ConfigIssue[], where: (path: Path) => { label: string; order: number }): string {
  return issues
    .map((issue) => ({ issue, at: where(issue.path) }))
    .sort((a, b) => a.at.order - b.at.order)
    .map(({ issue, at }) => `${at.label} ${issue.path.join('.') || '(top level)'}: ${issue.message}`)
    .join('\n');
}
