import { execFile } from 'node:child_process';
import { join } from 'node:path';

export interface SchemaOptions {
  sqlTool: string;
  /** The release's schema/postgresql/v12. */
  schemaDir: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** True for a database cluster initdb just created: the databases are created and their schemas set up from version 0. */
  fresh: boolean;
  log: (message: string) => void;
}

/** Temporal's two databases and the directory of each one's versioned schema. */
export const TEMPORAL_DATABASES = [
  { database: 'temporal', schema: 'temporal' },
  { database: 'temporal_visibility', schema: 'visibility' },
] as const;

/**
 * Sets up Temporal's schemas with its own SQL tool, as an operator does: on a fresh PostgreSQL the
 * databases are created and set up from version 0; on an existing one, update-schema applies the
 * versions this release adds (none when they are already there).
 */
export async function setUpSchemas(options: SchemaOptions): Promise<void> {
  // The tool reads its connection from the environment (SQL_*): no password on a command line.
  const env = {
    PATH: process.env.PATH ?? '',
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: options.host,
    SQL_PORT: String(options.port),
    SQL_USER: options.user,
    SQL_PASSWORD: options.password,
  };
  const tool = (database: string, args: string[]) => run(options.sqlTool, ['--db', database, ...args], env);
  for (const { database, schema } of TEMPORAL_DATABASES) {
    if (options.fresh) {
      options.log(`creating database ${database} and its schema`);
      await tool(database, ['create-database']);
      await tool(database, ['setup-schema', '-v', '0.0']);
    }
    await tool(database, ['update-schema', '-d', join(options.schemaDir, schema, 'versioned')]);
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`temporal-sql-tool ${args.join(' ')} failed: ${(stderr || stdout).trim().split('\n').slice(-5).join('\n') || error.message}`));
      else resolve();
    });
  });
}
