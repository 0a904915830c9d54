import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { createPrismaClient, type PrismaClient } from './client.js';
import { applyMigrations } from './migrate/apply.js';

describe('Prisma client on PostgreSQL through the pg driver adapter', () => {
  let db: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await createTestDatabase('prisma');
    await applyMigrations(db.url);
    prisma = createPrismaClient(db.url, { max: 2 });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('writes an event and reads back exactly what was written', async () => {
    const id = randomUUID();
    const payload = { kind: 'GlobalNetworkPolicy', name: 'deny-blue', spec: { order: 10, selector: "color == 'red'" } };
    const created = await prisma.event.create({
      data: { id, streamId: 'resource/GlobalNetworkPolicy/deny-blue', streamType: 'resource', version: 1, type: 'ResourceApplied', payload, actor: 'alice', reason: 'block blue', contentHash: 'test' },
    });
    expect(typeof created.position).toBe('bigint');

    const read = await prisma.event.findUniqueOrThrow({ where: { id } });
    expect(read).toMatchObject({ id, version: 1, actor: 'alice', reason: 'block blue', schemaVersion: 1, correlationId: null });
    expect(read.payload).toEqual(payload);
    expect(read.position).toBe(created.position);
    expect(read.recordedAt).toBeInstanceOf(Date);
  });

  it('maps a duplicate stream version to Prisma error P2002', async () => {
    const base = { streamId: 'resource/Tier/security', streamType: 'resource', type: 'ResourceApplied', payload: {}, actor: 'bob', contentHash: 'test' };
    await prisma.event.create({ data: { ...base, id: randomUUID(), version: 1 } });
    await expect(prisma.event.create({ data: { ...base, id: randomUUID(), version: 1 } })).rejects.toMatchObject({ code: 'P2002' });
    expect(await prisma.event.count({ where: { streamId: base.streamId } })).toBe(1);
  });

  it('runs an interactive transaction that rolls back as a whole', async () => {
    const streamId = `resource/NetworkSet/${randomUUID()}`;
    const attempt = prisma.$transaction(async (tx) => {
      await tx.event.create({ data: { id: randomUUID(), streamId, streamType: 'resource', version: 1, type: 'ResourceApplied', payload: {}, actor: 'carol', contentHash: 'test' } });
      await tx.event.create({ data: { id: randomUUID(), streamId, streamType: 'resource', version: 1, type: 'ResourceApplied', payload: {}, actor: 'carol', contentHash: 'test' } });
    });
    await expect(attempt).rejects.toMatchObject({ code: 'P2002' });
    expect(await prisma.event.count({ where: { streamId } })).toBe(0);
  });
});
