import { z } from 'zod';
import { configSchema } from './config';

/**
 * The README's configuration table, generated from the schema so the documentation cannot drift
 * from the code (a unit test compares them).
 */
export function configTable(): string {
  const rows = Object.entries(configSchema.shape).map(([name, schema]) => {
    const fallback = schema instanceof z.ZodDefault ? `\`${String(schema.def.defaultValue)}\`` : '';
    return `| \`${name}\` | ${fallback} | ${schema.description ?? ''} |`;
  });
  return ['| Variable | Default | What it does |', '| --- | --- | --- |', ...rows].join('\n');
}
