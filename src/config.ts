import path from 'node:path';
import { z } from 'zod';
import { NumeroError } from './errors.ts';

/**
 * The only reader of `process.env`. Every variable numero reads is declared here, validated once
 * and frozen; the README's table of variables mirrors this schema.
 */
const EnvSchema = z.object({
  PUBLIC_URL: z
    .url({ error: 'expected an absolute URL such as https://lettre.example.org' })
    .default('http://127.0.0.1:8080'),
  NUMERO_ISSUES_DIR: z.string().min(1).default('issues'),
  NUMERO_TEMPLATES_DIR: z.string().min(1).default('templates'),
});

export interface Config {
  readonly publicUrl: string;
  readonly issuesDir: string;
  readonly templatesDir: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new NumeroError('CONFIG_INVALID', `invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    publicUrl: e.PUBLIC_URL.replace(/\/+$/, ''),
    issuesDir: path.resolve(e.NUMERO_ISSUES_DIR),
    templatesDir: path.resolve(e.NUMERO_TEMPLATES_DIR),
  });
}
