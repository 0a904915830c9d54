import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testServices } from '@palisade/testing';
import { diffSchemas, latestSchemaSnapshot, schemaFile } from './diff.js';

describe('schema drift', () => {
  it('the committed migrations add up to prisma/schema.prisma (a schema change without a migration fails here)', async () => {
    const snapshot = latestSchemaSnapshot();
    expect(snapshot).toBeDefined();
    const diff = await diffSchemas(snapshot, schemaFile, testServices().databaseUrl);
    expect(diff.sql).toBe('');
    expect(diff.empty).toBe(true);
  });

  it('reports the SQL for a change the migrations do not have yet', async () => {
    const changed = join(mkdtempSync(join(tmpdir(), 'palisade-schema-')), 'schema.prisma');
    writeFileSync(changed, readFileSync(schemaFile, 'utf8').replace('@@index([correlationId])', '@@index([correlationId])\n  @@index([type])'));
    const diff = await diffSchemas(latestSchemaSnapshot(), changed, testServices().databaseUrl);
    expect(diff.empty).toBe(false);
    expect(diff.sql).toContain('CREATE INDEX "events_type_idx" ON "events"("type");');
  });
});
