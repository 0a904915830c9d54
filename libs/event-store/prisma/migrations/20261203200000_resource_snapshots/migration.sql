-- Snapshots of the whole resource set at committed positions (libs/domain/src/resources/snapshots.ts
-- takes and reads them): an as-of query of the whole set reads the nearest one and replays the
-- events after it. Append-only for the application's role, like the log they are derived from,
-- and signed with the event key like its events (readers with the key ignore a snapshot without
-- a valid MAC).
-- CreateTable
CREATE TABLE "resource_snapshots" (
    "position" BIGINT NOT NULL,
    "resources" TEXT NOT NULL,
    "resource_count" INTEGER NOT NULL,
    "mac" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "resource_snapshots_pkey" PRIMARY KEY ("position")
);
