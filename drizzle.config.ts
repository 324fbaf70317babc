import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema and reviewed like code; they are
// applied by scripts/migrate.ts (and on start), never with `drizzle-kit push`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
